"""``@task`` functions (Airflow's TaskFlow): return values flow to the tasks they are passed to.

Inside a pipeline, calling a decorated function creates a task and returns an :class:`XComArg`;
``.expand(x=[...])`` maps it over a list known only at run time. Outside a pipeline the
function is simply called. Small values travel through the ledger (JSON, else pickle); large
data should go through tables.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import pickle
from collections.abc import Callable
from typing import Any

from weir.errors import WeirError
from weir.orchestration import scope
from weir.orchestration.deps import XComArg, find_refs
from weir.orchestration.tasks import PythonTask


class DecoratedTask(PythonTask):
    """The task a ``@task`` call creates."""


def _unique_id(pipeline: Any, base: str) -> str:
    group = scope.current_group()
    prefix = group.prefix if group is not None else ""
    if pipeline is None or f"{prefix}{base}" not in pipeline.tasks:
        return base
    n = 1
    while f"{prefix}{base}__{n}" in pipeline.tasks:
        n += 1
    return f"{base}__{n}"


class TaskFunction:
    """A function decorated with ``@task``."""

    def __init__(self, fn: Callable[..., Any], task_kwargs: dict[str, Any]) -> None:
        self.fn = fn
        self.task_kwargs = task_kwargs
        functools.update_wrapper(self, fn)

    def _make(self, args: tuple[Any, ...], kwargs: dict[str, Any], expand: dict[str, Any] | None) -> XComArg:
        pipeline = scope.current_pipeline()
        options = dict(self.task_kwargs)
        task_id = _unique_id(pipeline, options.pop("task_id", None) or self.fn.__name__)
        t = DecoratedTask(task_id, python_callable=self.fn, op_args=args, op_kwargs=kwargs, **options)
        if expand is not None:
            for name, value in expand.items():
                if not isinstance(value, XComArg | list | tuple):
                    t._error(f"{t.task_id}.expand({name}=...) needs a list or a task result, not {value!r}")
            t.expand_args = dict(expand)
            t._wire_refs(expand)
        return XComArg(t)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if scope.current_pipeline() is None:
            return self.fn(*args, **kwargs)
        return self._make(args, kwargs, None)

    def override(self, **task_kwargs: Any) -> TaskFunction:
        """The same function with other task options (``task_id``, ``retries``, ...)."""
        return TaskFunction(self.fn, {**self.task_kwargs, **task_kwargs})

    def partial(self, **kwargs: Any) -> _Partial:
        """Fixed arguments for :meth:`_Partial.expand`."""
        return _Partial(self, kwargs)

    def expand(self, **mapped: Any) -> XComArg:
        """One task instance per element: ``extract.expand(source=["mysql", "api"])`` or an upstream's list."""
        return _Partial(self, {}).expand(**mapped)


class _Partial:
    def __init__(self, fn: TaskFunction, kwargs: dict[str, Any]) -> None:
        self.fn, self.kwargs = fn, kwargs

    def expand(self, **mapped: Any) -> XComArg:
        if not mapped:
            raise WeirError(f"{self.fn.fn.__name__}.expand() needs at least one keyword argument to map over")
        if scope.current_pipeline() is None:
            raise WeirError(f"{self.fn.fn.__name__}.expand() must be called inside a pipeline")
        return self.fn._make((), self.kwargs, mapped)


def task(fn: Callable[..., Any] | None = None, **task_kwargs: Any) -> Any:
    """``@task`` or ``@task(retries=2, task_id="x")`` on a function."""
    if fn is not None:
        return TaskFunction(fn, {})
    return lambda f: TaskFunction(f, task_kwargs)


def map_lengths(expand_args: dict[str, Any], results: Callable[[str], Any]) -> list[dict[str, Any]]:
    """The per-element keyword arguments of a mapped task, from literal lists or upstream results
    (several mapped arguments give their cross product, as in Airflow)."""
    combos: list[dict[str, Any]] = [{}]
    for name, value in expand_args.items():
        items = value.resolve(results) if isinstance(value, XComArg) else value
        if items is None:
            items = []
        if isinstance(items, dict):
            items = list(items.items())
        if not isinstance(items, list | tuple):
            raise WeirError(f"cannot map over {name}={items!r}: the value is not a list")
        combos = [{**c, name: v} for c in combos for v in items]
    return combos


@functools.lru_cache(maxsize=1024)
def _code_hash(fn: Callable[..., Any]) -> str:
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        source = repr((code.co_code, code.co_consts)) if code is not None else repr(fn)
    return hashlib.sha256(source.encode()).hexdigest()


def task_input_hash(context: Any, arguments: dict[str, Any]) -> str:
    """Prefect's cache key: the task's inputs and the code of its callable (change either to recompute)."""
    fn = getattr(context.task, "python_callable", None)
    try:
        data = json.dumps(arguments, sort_keys=True, default=repr).encode()
    except (TypeError, ValueError):
        data = pickle.dumps(arguments)
    code = _code_hash(fn) if fn is not None else type(context.task).__name__
    return hashlib.sha256(data + code.encode()).hexdigest()


def task_arguments(task: Any) -> dict[str, Any]:
    """The arguments a cache key is computed from: a Python task's bound parameters, else its template fields."""
    fn = getattr(task, "python_callable", None)
    if fn is not None:
        try:
            bound = inspect.signature(fn).bind_partial(*task.op_args, **task.op_kwargs)
            return dict(bound.arguments)
        except (TypeError, ValueError):
            return {"args": list(task.op_args), "kwargs": dict(task.op_kwargs)}
    return {f: getattr(task, f, None) for f in task.template_fields}


__all__ = ["DecoratedTask", "TaskFunction", "find_refs", "map_lengths", "task", "task_arguments", "task_input_hash"]
