"""Dependencies between tasks: ``>>``/``<<`` on tasks, groups, lists and result references.

An :class:`XComArg` is what calling a ``@task`` function inside a pipeline returns: a reference to
that task's future return value. Passing it to another task makes it an upstream, and at run
time the reference is replaced by the value.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def caller_location() -> tuple[str | None, int | None]:
    """File and line of the first frame outside weir.orchestration (where the user wrote it)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("weir.orchestration"):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return None, None
    return frame.f_code.co_filename, frame.f_lineno


class DependencyMixin:
    """``a >> b`` makes b run after a; either side may be a list; returns the right side."""

    def _roots(self) -> list[Any]:
        raise NotImplementedError

    def _leaves(self) -> list[Any]:
        raise NotImplementedError

    def __rshift__(self, other: Any) -> Any:
        link(self, other)
        return other

    def __lshift__(self, other: Any) -> Any:
        link(other, self)
        return other

    def __rrshift__(self, other: Any) -> Any:  # [a, b] >> self
        link(other, self)
        return self

    def __rlshift__(self, other: Any) -> Any:  # [a, b] << self
        link(self, other)
        return self


def _expand(side: Any, attr: str) -> list[Any]:
    if isinstance(side, list | tuple | set):
        return [t for item in side for t in _expand(item, attr)]
    if isinstance(side, DependencyMixin):
        return list(getattr(side, attr)())
    raise TypeError(f"cannot set a dependency on {side!r}: use tasks, task groups, @task results or lists of them")


def link(upstream: Any, downstream: Any) -> None:
    """Every leaf of ``upstream`` before every root of ``downstream``."""
    where = caller_location()
    for up in _expand(upstream, "_leaves"):
        for down in _expand(downstream, "_roots"):
            up._add_downstream(down, where)


class XComArg(DependencyMixin):
    """A reference to a task's return value (optionally one key of it)."""

    def __init__(self, task: Any, key: Any = None) -> None:
        self.task = task
        self.key = key

    def __getitem__(self, key: Any) -> XComArg:
        return XComArg(self.task, key)

    def _roots(self) -> list[Any]:
        return [self.task]

    def _leaves(self) -> list[Any]:
        return [self.task]

    def resolve(self, results: Callable[[str], Any]) -> Any:
        value = results(self.task.task_id)
        return value if self.key is None else value[self.key]

    def __repr__(self) -> str:
        return f"XComArg({self.task.task_id!r}{'' if self.key is None else f', {self.key!r}'})"


def find_refs(value: Any) -> list[XComArg]:
    """Every XComArg inside a value (lists, tuples, dicts, nested)."""
    if isinstance(value, XComArg):
        return [value]
    if isinstance(value, list | tuple):
        return [r for v in value for r in find_refs(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in find_refs(v)]
    return []


def resolve_refs(value: Any, results: Callable[[str], Any]) -> Any:
    """The value with each XComArg replaced by the referenced task's result."""
    if isinstance(value, XComArg):
        return value.resolve(results)
    if isinstance(value, list):
        return [resolve_refs(v, results) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve_refs(v, results) for v in value)
    if isinstance(value, dict):
        return {k: resolve_refs(v, results) for k, v in value.items()}
    return value


def unique(items: Iterable[Any]) -> Sequence[Any]:
    seen: dict[int, Any] = {}
    for i in items:
        seen.setdefault(id(i), i)
    return list(seen.values())
