"""Pipelines (Airflow's DAG), task groups and the ``@pipeline`` decorator.

Definition problems (duplicate ids, cycles, bad default_args, unknown template names, invalid
schedules) are collected with the file and line they come from; :meth:`Pipeline.validate`
returns them and running a pipeline that has any raises the first.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import graphlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from weir.errors import WeirError
from weir.orchestration import scope
from weir.orchestration.deps import DependencyMixin, caller_location
from weir.orchestration.schedule import Schedule
from weir.orchestration.tasks import TASK_OPTIONS, Task
from weir.orchestration.templating import template_strings, unknown_names

if TYPE_CHECKING:
    from weir.orchestration.project import ProjectHandle
    from weir.orchestration.runner import PipelineRunResult
    from weir.state.pipelines import PipelineStore

# default_args keys that are pipeline-level in Airflow and accepted (and ignored per task) here
_PIPELINE_LEVEL_DEFAULTS = frozenset({"start_date", "end_date", "queue", "priority_weight", "weight_rule",
                                      "do_xcom_push"})
_UNSET: Any = object()


class Pipeline(DependencyMixin):
    """A set of tasks with dependencies, a schedule and run-level limits."""

    is_pipeline = True

    def __init__(self, pipeline_id: str | None = None, *, dag_id: str | None = None,
                 default_args: dict[str, Any] | None = None, schedule: Any = _UNSET, schedule_interval: Any = _UNSET,
                 start_date: dt.datetime | None = None, end_date: dt.datetime | None = None, catchup: bool = False,
                 tags: Sequence[str] | None = None, max_active_runs: int = 1, max_active_tasks: int = 16,
                 params: dict[str, Any] | None = None, timezone: str = "UTC", description: str | None = None,
                 doc_md: str | None = None, on_failure: Sequence[Any] | None = None,
                 on_retry: Sequence[Any] | None = None, on_success: Sequence[Any] | None = None,
                 on_sla_miss: Sequence[Any] | None = None) -> None:
        self.path, self.line = caller_location()
        self.pipeline_id = pipeline_id or dag_id or ""
        self.errors: list[WeirError] = []
        if not self.pipeline_id:
            self._error("a pipeline needs an id: Pipeline('daily_sales')")
        self.default_args = dict(default_args or {})
        self._check_default_args()
        sched = schedule_interval if schedule is _UNSET else schedule
        start = start_date or self.default_args.get("start_date")
        end = end_date or self.default_args.get("end_date")
        try:
            self.schedule = Schedule(None if sched is _UNSET else sched, start, end, timezone)
        except WeirError as exc:
            self._error(exc.message, hint=exc.hint)
            self.schedule = Schedule(None, start, end, "UTC")
        self.catchup = catchup
        self.tags = list(tags or [])
        self.max_active_runs = max(1, int(max_active_runs))
        self.max_active_tasks = max(1, int(max_active_tasks))
        self.params = dict(params or {})
        self.description = description or doc_md
        self.alerts = {"on_failure": list(on_failure or []), "on_retry": list(on_retry or []),
                       "on_success": list(on_success or []), "on_sla_miss": list(on_sla_miss or [])}
        self.tasks: dict[str, Task] = {}
        self._validated: list[WeirError] | None = None
        scope.register(self)

    # -- definition --------------------------------------------------------------------------
    def _error(self, message: str, *, hint: str | None = None) -> None:
        self.errors.append(WeirError(message, path=self.path, line=self.line, hint=hint))

    def _check_default_args(self) -> None:
        known = TASK_OPTIONS | _PIPELINE_LEVEL_DEFAULTS
        for key in self.default_args:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                self._error(f"unknown default_args key {key!r} in pipeline {self.pipeline_id}",
                            hint=f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(known))}")

    def _add_task(self, task: Task) -> None:
        self._validated = None
        if task.task_id in self.tasks:
            first = self.tasks[task.task_id]
            task._error(f"duplicate task id {task.task_id!r} in pipeline {self.pipeline_id} "
                        f"(first defined at {first.path}:{first.line})")
            return
        self.tasks[task.task_id] = task

    def __enter__(self) -> Pipeline:
        scope.push(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        scope.pop(self)

    def _roots(self) -> list[Any]:
        return [t for t in self.tasks.values() if not t.upstream_ids]

    def _leaves(self) -> list[Any]:
        return [t for t in self.tasks.values() if not t.downstream_ids]

    # -- checks ------------------------------------------------------------------------------
    def validate(self) -> list[WeirError]:
        """Every definition problem, each with file:line (empty when the pipeline is fine)."""
        if self._validated is not None:
            return self._validated
        errors = list(self.errors)
        sorter = graphlib.TopologicalSorter({t.task_id: t.upstream_ids for t in self.tasks.values()})
        try:
            self._order = list(sorter.static_order())
        except graphlib.CycleError as exc:
            cycle = exc.args[1]
            first = self.tasks.get(cycle[0])
            errors.append(WeirError(f"pipeline {self.pipeline_id} has a cycle: {' >> '.join(reversed(cycle))}",
                                    path=first.path if first else self.path, line=first.line if first else self.line,
                                    hint="remove one of these dependencies"))
        for task in self.tasks.values():
            errors += _template_errors(task, self)
        self._validated = errors
        return errors

    def check(self) -> None:
        """Raise the first definition problem, listing how many there are."""
        errors = self.validate()
        if errors:
            first = errors[0]
            if len(errors) > 1:
                first = WeirError(f"{first.message} (and {len(errors) - 1} more problem(s); "
                                  "run `weir pipelines validate`)", path=first.path, line=first.line, hint=first.hint)
            raise first

    def topological(self) -> list[str]:
        self.check()
        return self._order

    # -- running -------------------------------------------------------------------------------
    def run(self, logical_date: dt.datetime | str | None = None, *, store: PipelineStore | None = None,
            project: ProjectHandle | None = None, conf: dict[str, Any] | None = None,
            pools: dict[str, int] | None = None) -> PipelineRunResult:
        """Run the pipeline once, in this process, for ``logical_date`` (default: the latest complete
        interval, or now for an unscheduled pipeline); ``store=None`` keeps state in memory."""
        from weir.orchestration.runner import run_once

        return run_once(self, logical_date, store=store, project=project, conf=conf, pools=pools)

    test = run  # Airflow's dag.test()

    def __repr__(self) -> str:
        return f"<Pipeline {self.pipeline_id} tasks={len(self.tasks)}>"


def _template_errors(task: Task, pipeline: Pipeline) -> list[WeirError]:
    errors = []
    params = set(pipeline.params) | set(task.params)
    for field in (*task.template_fields, "params"):
        value = task.params if field == "params" else getattr(task, field, None)
        for source in template_strings(value):
            try:
                unknown = unknown_names(source)
            except WeirError as exc:
                errors.append(WeirError(f"{task.task_id}.{field}: {exc.message}", path=task.path, line=task.line))
                continue
            for name in unknown:
                from weir.orchestration.templating import KNOWN_NAMES

                close = difflib.get_close_matches(name, sorted(KNOWN_NAMES | params), n=1)
                errors.append(WeirError(
                    f"unknown name {name!r} in the template of {task.task_id}.{field}", path=task.path,
                    line=task.line, hint=f"did you mean {close[0]!r}?" if close
                    else "templates know ds, ds_nodash, ts, logical_date, data_interval_start/end, params, "
                         "run_id, prev_ds, next_ds, var, macros"))
    return errors


class TaskGroup(DependencyMixin):
    """Tasks defined inside ``with TaskGroup("g"):`` get ids ``g.<task_id>``; ``>>`` on a group
    links its first and last tasks."""

    is_group = True

    def __init__(self, group_id: str, *, prefix_group_id: bool = True, tooltip: str = "",
                 pipeline: Pipeline | None = None, parent_group: TaskGroup | None = None) -> None:
        self.group_id = group_id
        self.parent: TaskGroup | None = parent_group if parent_group is not None else scope.current_group()
        self.pipeline: Any = pipeline or (self.parent.pipeline if self.parent else scope.current_pipeline())
        self.prefix: str = ""
        base = self.parent.prefix if self.parent is not None else ""
        self.prefix = f"{base}{group_id}." if prefix_group_id else base
        self.tooltip = tooltip
        self._members: list[Task] = []

    def __enter__(self) -> TaskGroup:
        scope.push(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        scope.pop(self)
        if self.parent is not None:
            self.parent._members.extend(self._members)

    def _roots(self) -> list[Any]:
        ids = {t.task_id for t in self._members}
        return [t for t in self._members if not (t.upstream_ids & ids)]

    def _leaves(self) -> list[Any]:
        ids = {t.task_id for t in self._members}
        return [t for t in self._members if not (t.downstream_ids & ids)]


def pipeline(fn: Callable[..., Any] | None = None, **pipeline_kwargs: Any) -> Any:
    """``@pipeline(schedule=..., start_date=...)`` on a function whose body defines tasks; calling
    the function returns the :class:`Pipeline` (its id is the function name unless given)."""

    def wrap(f: Callable[..., Any]) -> Callable[..., Pipeline]:
        @functools.wraps(f)
        def factory(*args: Any, **kwargs: Any) -> Pipeline:
            kw = dict(pipeline_kwargs)
            pid = kw.pop("pipeline_id", None) or kw.pop("dag_id", None) or f.__name__
            kw.setdefault("description", (f.__doc__ or "").strip() or None)
            with Pipeline(pid, **kw) as p:
                f(*args, **kwargs)
            return p

        return factory

    return wrap(fn) if fn is not None else wrap


dag = pipeline
