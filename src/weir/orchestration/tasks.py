"""Tasks: the base class with retries, timeouts, pools and trigger rules, and the Python task.

``default_args`` of the pipeline being defined fill any option a task was not given (as in
Airflow). Shell, SQL, build and sensor tasks are in :mod:`weir.orchestration.operators`.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from weir.errors import WeirError
from weir.orchestration import scope
from weir.orchestration.deps import DependencyMixin, XComArg, caller_location, find_refs, resolve_refs
from weir.orchestration.templating import is_templated, render


class TriggerRule(StrEnum):
    """When a task runs, given its upstreams' final states."""

    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ONE_FAILED = "one_failed"
    ONE_SUCCESS = "one_success"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_SKIPPED = "none_skipped"
    ALWAYS = "always"


class SkipTask(WeirError):  # named like Airflow's AirflowSkipException
    """Raise inside a task to end it as ``skipped`` (downstream all_success tasks skip too)."""


class TaskTimeout(WeirError):
    """A task attempt ran past its ``execution_timeout``."""


# Task options a pipeline's default_args may set; Airflow keys weir accepts and stores.
TASK_OPTIONS = frozenset({
    "retries", "retry_delay", "retry_exponential_backoff", "max_retry_delay", "execution_timeout",
    "trigger_rule", "pool", "pool_slots", "sla", "on_failure_callback", "on_success_callback",
    "on_retry_callback", "executor", "cache_key_fn", "cache_expiration", "params", "doc", "owner", "email",
    "email_on_failure", "email_on_retry", "depends_on_past", "wait_for_downstream",
})


def _seconds(value: float | dt.timedelta | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class _TaskMeta(type):
    """Fills unset task options from the current pipeline's default_args."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        pipeline = kwargs.get("pipeline") or scope.current_pipeline()
        if pipeline is not None and pipeline.default_args:
            for key, value in pipeline.default_args.items():
                if key in TASK_OPTIONS and key not in kwargs:
                    kwargs[key] = value
        return super().__call__(*args, **kwargs)


class Task(DependencyMixin, metaclass=_TaskMeta):
    """One step of a pipeline. Subclasses implement :meth:`execute`."""

    template_fields: tuple[str, ...] = ()

    def __init__(self, task_id: str, *, retries: int = 0, retry_delay: float | dt.timedelta = dt.timedelta(seconds=300),
                 retry_exponential_backoff: bool = False, max_retry_delay: float | dt.timedelta | None = None,
                 execution_timeout: float | dt.timedelta | None = None, trigger_rule: str = "all_success",
                 pool: str | None = None, pool_slots: int = 1, sla: dt.timedelta | None = None,
                 on_failure_callback: Callable[..., Any] | None = None,
                 on_success_callback: Callable[..., Any] | None = None,
                 on_retry_callback: Callable[..., Any] | None = None, executor: str = "thread",
                 cache_key_fn: Callable[..., str | None] | None = None,
                 cache_expiration: float | dt.timedelta | None = None, params: dict[str, Any] | None = None,
                 doc: str | None = None, owner: str | None = None, email: str | Sequence[str] | None = None,
                 email_on_failure: bool = True, email_on_retry: bool = True, depends_on_past: bool = False,
                 wait_for_downstream: bool = False, pipeline: Any = None, task_group: Any = None) -> None:
        self.path, self.line = caller_location()
        self.group = task_group if task_group is not None else scope.current_group()
        self.pipeline = pipeline or (self.group.pipeline if self.group is not None else scope.current_pipeline())
        self.task_id = f"{self.group.prefix}{task_id}" if self.group is not None else task_id
        self.retries = int(retries)
        self.retry_delay = _seconds(retry_delay) or 0.0
        self.retry_exponential_backoff = retry_exponential_backoff
        self.max_retry_delay = _seconds(max_retry_delay)
        self.execution_timeout = _seconds(execution_timeout)
        self.trigger_rule = self._check(TriggerRule, trigger_rule, "trigger_rule")
        self.pool, self.pool_slots = pool, int(pool_slots)
        self.sla = _seconds(sla)
        self.on_failure_callback, self.on_success_callback = on_failure_callback, on_success_callback
        self.on_retry_callback = on_retry_callback
        if executor not in ("thread", "process"):
            self._error(f"executor must be 'thread' or 'process', not {executor!r}")
        self.executor = executor
        self.cache_key_fn, self.cache_expiration = cache_key_fn, _seconds(cache_expiration)
        self.params = dict(params or {})
        self.doc, self.owner, self.email = doc, owner, email
        self.email_on_failure, self.email_on_retry = email_on_failure, email_on_retry
        # Airflow's: run only when this task succeeded (or skipped) in the previous run; wait_for_downstream
        # also needs its immediate downstream tasks to have (it implies depends_on_past); see past.py
        self.wait_for_downstream = bool(wait_for_downstream)
        self.depends_on_past = bool(depends_on_past) or self.wait_for_downstream
        self.upstream_ids: set[str] = set()
        self.downstream_ids: set[str] = set()
        self.expand_args: dict[str, Any] | None = None  # set by .expand(): mapped over at run time
        self._templated: tuple[str, ...] | None = None
        if self.group is not None:
            self.group._members.append(self)
        if self.pipeline is not None:
            self.pipeline._add_task(self)

    # -- definition helpers ------------------------------------------------------------------
    def _check(self, enum: type[StrEnum], value: str, what: str) -> str:
        try:
            return enum(value).value
        except ValueError:
            self._error(f"unknown {what} {value!r} for task {getattr(self, 'task_id', '?')}",
                        hint=f"one of {', '.join(e.value for e in enum)}")
            return str(value)

    def _error(self, message: str, *, hint: str | None = None, where: tuple[str | None, int | None] | None = None
               ) -> None:
        path, line = where or (self.path, self.line)
        err = WeirError(message, path=path, line=line, hint=hint)
        pipeline = getattr(self, "pipeline", None)
        if pipeline is None:
            raise err
        pipeline.errors.append(err)

    def _roots(self) -> list[Any]:
        return [self]

    def _leaves(self) -> list[Any]:
        return [self]

    def _add_downstream(self, other: Task, where: tuple[str | None, int | None]) -> None:
        if other.pipeline is not self.pipeline:
            self._error(f"{self.task_id} >> {other.task_id}: {other.task_id} belongs to another pipeline "
                        f"({getattr(other.pipeline, 'pipeline_id', None)!r}, not "
                        f"{getattr(self.pipeline, 'pipeline_id', None)!r})", where=where)
            return
        self.downstream_ids.add(other.task_id)
        other.upstream_ids.add(self.task_id)

    def set_downstream(self, other: Any) -> None:
        self >> other

    def set_upstream(self, other: Any) -> None:
        self << other

    def _wire_refs(self, *values: Any) -> None:
        """Make the tasks behind XComArgs in these values upstreams of this one."""
        for ref in find_refs(values):
            ref.task._add_downstream(self, (self.path, self.line))

    @property
    def output(self) -> XComArg:
        """A reference to this task's return value, to pass to other tasks."""
        return XComArg(self)

    @property
    def max_tries(self) -> int:
        return self.retries + 1

    def retry_wait(self, try_number: int, base: float | None = None) -> float:
        """Seconds before the attempt after ``try_number`` (exponential backoff, capped)."""
        delay = self.retry_delay if base is None else base
        if self.retry_exponential_backoff:
            delay = delay * (2 ** (try_number - 1))
        if self.max_retry_delay is not None:
            delay = min(delay, self.max_retry_delay)
        return delay

    # -- running ---------------------------------------------------------------------------------
    def templated_fields(self) -> tuple[str, ...]:
        """Template fields of this task that hold Jinja (computed once)."""
        if self._templated is None:
            self._templated = tuple(f for f in self.template_fields if is_templated(getattr(self, f, None)))
        return self._templated

    def prepared(self, context: dict[str, Any]) -> Task:
        """This task with its template fields rendered for one attempt (itself when nothing is templated)."""
        fields = self.templated_fields()
        if not fields:
            return self
        clone = copy.copy(self)
        for f in fields:
            setattr(clone, f, render(getattr(self, f), context))
        return clone

    def bind(self, results: Callable[[str], Any], map_kwargs: dict[str, Any] | None) -> Task:
        """This task with upstream results resolved (tasks without references return themselves)."""
        return self

    def execute(self, context: Any) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.task_id}>"


def call_with_context(fn: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any], context: Any,
                      wants: bool | frozenset[str]) -> Any:
    """Call ``fn`` like Airflow: context names it declares (or all, with ``**kwargs``) are passed."""
    if wants is True:
        extra = {k: v for k, v in context.as_dict().items() if k not in kwargs}
        return fn(*args, **kwargs, **extra)
    if wants:
        ctx = context.as_dict()
        return fn(*args, **kwargs, **{k: ctx[k] for k in wants if k not in kwargs and k in ctx})
    return fn(*args, **kwargs)


def context_wants(fn: Callable[..., Any], n_args: int, given: set[str]) -> bool | frozenset[str]:
    """Which context names ``fn`` takes: True for ``**kwargs``, else the matching parameter names."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return frozenset()
    params = list(sig.parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return True
    from weir.orchestration.templating import KNOWN_NAMES

    names = KNOWN_NAMES | {"log", "store", "project", "context"}
    return frozenset(p.name for p in params[n_args:] if p.name in names and p.name not in given
                     and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


class PythonTask(Task):
    """Calls ``python_callable(*op_args, **op_kwargs)``; its return value is the task's result."""

    template_fields = ("op_args", "op_kwargs", "templates_dict")

    def __init__(self, task_id: str, *, python_callable: Callable[..., Any], op_args: Sequence[Any] | None = None,
                 op_kwargs: dict[str, Any] | None = None, templates_dict: dict[str, Any] | None = None,
                 **task_kwargs: Any) -> None:
        super().__init__(task_id, **task_kwargs)
        if not callable(python_callable):
            self._error(f"python_callable of {self.task_id} is not callable: {python_callable!r}")
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        self._wire_refs(self.op_args, self.op_kwargs)
        self._has_refs = bool(find_refs([self.op_args, self.op_kwargs]))
        given = set(self.op_kwargs) | ({"templates_dict"} if templates_dict is None else set())
        self._wants = context_wants(python_callable, len(self.op_args), given) if callable(python_callable) else False

    def bind(self, results: Callable[[str], Any], map_kwargs: dict[str, Any] | None) -> Task:
        """This task with upstream results in place of references, plus one mapped element's args."""
        if not self._has_refs and not map_kwargs:
            return self
        clone = copy.copy(self)
        clone.op_args = resolve_refs(self.op_args, results)
        clone.op_kwargs = {**resolve_refs(self.op_kwargs, results), **(map_kwargs or {})}
        return clone

    def execute(self, context: Any) -> Any:
        kwargs = dict(self.op_kwargs)
        if self.templates_dict is not None:
            kwargs.setdefault("templates_dict", self.templates_dict)
        return call_with_context(self.python_callable, self.op_args, kwargs, context, self._wants)
