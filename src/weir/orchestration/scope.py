"""The pipeline and task group being defined (``with Pipeline(...)`` / ``with TaskGroup(...)``)."""

from __future__ import annotations

import threading
from typing import Any

_local = threading.local()


def _stack() -> list[Any]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def push(item: Any) -> None:
    _stack().append(item)


def pop(item: Any) -> None:
    stack = _stack()
    if stack and stack[-1] is item:
        stack.pop()


def current_pipeline() -> Any:
    """The innermost pipeline being defined, or None."""
    for item in reversed(_stack()):
        if getattr(item, "is_pipeline", False):
            return item
        if getattr(item, "pipeline", None) is not None:
            return item.pipeline
    return None


def current_group() -> Any:
    """The innermost task group being defined, or None."""
    for item in reversed(_stack()):
        if getattr(item, "is_pipeline", False):
            return None
        if getattr(item, "is_group", False):
            return item
    return None


_loading: list[list[Any]] = []


def register(pipeline: Any) -> None:
    """Note a new pipeline for the file being loaded (see weir.orchestration.loader)."""
    if _loading:
        _loading[-1].append(pipeline)


def collecting(found: list[Any]) -> None:
    _loading.append(found)


def done_collecting() -> None:
    _loading.pop()
