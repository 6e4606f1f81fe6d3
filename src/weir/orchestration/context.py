"""What a running task sees: the run's dates and params, its log, the store and the project.

``TaskContext`` is also a mapping (``context["ds"]``), so Airflow-style callables that take
``**context`` get every name a template could use.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from weir.orchestration.templating import MACROS, VarAccessor

if TYPE_CHECKING:
    from weir.orchestration.project import ProjectHandle
    from weir.state.pipelines import PipelineStore

TASK_LOGGER = logging.getLogger("weir.task")


@dataclass
class RunInfo:
    """Everything about one pipeline run that every task of it shares."""

    pipeline_id: str
    run_id: str
    logical_date: dt.datetime
    data_interval_start: dt.datetime
    data_interval_end: dt.datetime
    prev_ds: str | None
    next_ds: str | None
    conf: dict[str, Any]
    vars: dict[str, Any]
    store: PipelineStore
    project: ProjectHandle | None
    run_type: str = "manual"
    tz: dt.tzinfo = dt.UTC
    _base: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def ds(self) -> str:
        return self.logical_date.astimezone(self.tz).date().isoformat()

    def template_base(self) -> dict[str, Any]:
        """The run-level template names, computed once per run."""
        if self._base is None:
            local = self.logical_date.astimezone(self.tz)
            ds = local.date().isoformat()
            self._base = {
                "ds": ds, "ds_nodash": ds.replace("-", ""), "ts": local.isoformat(),
                "ts_nodash": local.strftime("%Y%m%dT%H%M%S"), "logical_date": local, "execution_date": local,
                "data_interval_start": self.data_interval_start.astimezone(self.tz),
                "data_interval_end": self.data_interval_end.astimezone(self.tz),
                "prev_ds": self.prev_ds, "next_ds": self.next_ds, "run_id": self.run_id,
                "pipeline_id": self.pipeline_id, "dag_id": self.pipeline_id, "conf": self.conf,
                "dag_run": {"conf": self.conf, "run_id": self.run_id}, "var": VarAccessor(self.vars),
                "vars": self.vars, "macros": MACROS,
            }
        return self._base


@dataclass
class TaskContext(Mapping[str, Any]):
    """What callables, templates and sensors see during one attempt of one task instance."""

    pipeline_id: str
    task_id: str
    run_id: str
    map_index: int
    try_number: int
    logical_date: dt.datetime
    data_interval_start: dt.datetime
    data_interval_end: dt.datetime
    ds: str
    ds_nodash: str
    prev_ds: str | None
    params: dict[str, Any]
    vars: dict[str, Any]
    store: PipelineStore
    project: ProjectHandle | None
    run: RunInfo = field(repr=False, default=None)  # type: ignore[assignment]
    task: Any = field(repr=False, default=None)
    upstream_results: dict[str, Any] = field(repr=False, default_factory=dict)
    _log: logging.Logger | None = field(repr=False, default=None)
    _sink: Any = field(repr=False, default=None)

    @property
    def log(self) -> logging.Logger:
        """A logger whose lines go into this attempt's stored log (and to ``weir.task``)."""
        if self._log is None:
            logger = logging.Logger(f"weir.task.{self.pipeline_id}.{self.task_id}", logging.DEBUG)
            logger.parent = TASK_LOGGER
            if self._sink is not None:
                handler = logging.StreamHandler(self._sink)
                handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
                logger.addHandler(handler)
            self._log = logger
        return self._log

    def xcom_pull(self, task_ids: str | None = None, key: str = "return_value") -> Any:
        """An upstream task's return value (Airflow's ``ti.xcom_pull``); only upstreams are visible."""
        if task_ids is None:
            return next(iter(self.upstream_results.values()), None)
        return self.upstream_results.get(task_ids)

    def as_dict(self) -> dict[str, Any]:
        """Every name a template can use, with this task's values."""
        out = dict(self.run.template_base()) if self.run is not None else {}
        out.update(params=self.params, task_id=self.task_id, map_index=self.map_index,
                   try_number=self.try_number, task=self.task, ti=self, task_instance=self, log=self.log,
                   store=self.store, project=self.project)
        return out

    # Mapping protocol over as_dict(), for ``def f(**context)`` and ``context["ds"]``
    def __getitem__(self, key: str) -> Any:
        if key in _FIELDS:
            return getattr(self, key)
        return self.as_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_dict())

    def __len__(self) -> int:
        return len(self.as_dict())

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


_FIELDS = frozenset({"pipeline_id", "task_id", "run_id", "map_index", "try_number", "logical_date",
                     "data_interval_start", "data_interval_end", "ds", "ds_nodash", "prev_ds", "params",
                     "vars", "store", "project", "log"})


def make_context(run: RunInfo, task: Any, map_index: int, try_number: int, params: dict[str, Any],
                 upstream_results: dict[str, Any], sink: Any) -> TaskContext:
    base = run.template_base()
    return TaskContext(
        pipeline_id=run.pipeline_id, task_id=task.task_id, run_id=run.run_id, map_index=map_index,
        try_number=try_number, logical_date=base["logical_date"], data_interval_start=base["data_interval_start"],
        data_interval_end=base["data_interval_end"], ds=base["ds"], ds_nodash=base["ds_nodash"],
        prev_ds=run.prev_ds, params=params, vars=run.vars, store=run.store, project=run.project, run=run,
        task=task, upstream_results=upstream_results, _sink=sink)
