"""Sensors: wait for a file or object, for a table commit or partition, or for another pipeline's run.

Each is a :class:`~weir.orchestration.operators.Sensor`: the executor calls ``poke`` and, while it
returns False, frees the worker slot and asks again after ``poke_interval``; past ``timeout`` the
sensor fails (or is skipped with ``soft_fail=True``). The questions themselves are the pure
functions of :mod:`weir.orchestration.probes`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from weir.errors import WeirError
from weir.orchestration import probes
from weir.orchestration.operators import Sensor
from weir.orchestration.schedule import iso


class FileSensor(Sensor):
    """Succeeds when a path, glob or ``s3://`` object/prefix exists; ``filepath`` is templated
    (``"landing/{{ ds }}/*.csv"``). Relative paths are relative to the working directory."""

    template_fields = ("filepath",)

    def __init__(self, task_id: str, *, filepath: str, storage_options: Mapping[str, str] | None = None,
                 **sensor_kwargs: Any) -> None:
        super().__init__(task_id, **sensor_kwargs)
        self.filepath = filepath
        self.storage_options = dict(storage_options) if storage_options else None

    def poke(self, context: Any) -> bool:
        found = probes.path_exists(self.filepath, self.storage_options)
        context.log.info("%s %s", "found" if found else "waiting for", self.filepath)
        return found


class TableSensor(Sensor):
    """Succeeds when a table has a fresh commit and/or a partition.

    ``table`` is a model, seed, snapshot or source name of the project, or a table URI (then
    ``format`` says delta, iceberg or files — a path, folder or glob of plain files). ``newer_than`` is a timedelta (a commit at or after
    ``data_interval_end - newer_than``) or ``"data_interval_end"`` (a commit at or after the end
    of the run's interval); ``partition`` maps partition columns to (templated) values. With
    neither, any commit will do (the table exists).
    """

    template_fields = ("table", "partition")

    def __init__(self, task_id: str, *, table: str, newer_than: dt.timedelta | str | None = None,
                 partition: Mapping[str, Any] | None = None, format: str = "delta",
                 storage_options: Mapping[str, str] | None = None, **sensor_kwargs: Any) -> None:
        super().__init__(task_id, **sensor_kwargs)
        if isinstance(newer_than, str) and newer_than != "data_interval_end":
            self._error(f"newer_than of {self.task_id} must be a timedelta or 'data_interval_end', "
                        f"not {newer_than!r}")
        if format not in ("delta", "iceberg", *sorted(probes.FILE_FORMATS)):
            self._error(f"format of {self.task_id} must be delta, iceberg or files, not {format!r}")
        self.table, self.newer_than, self.format = table, newer_than, format
        self.partition = dict(partition) if partition else None
        self.storage_options = dict(storage_options) if storage_options else None

    def locate(self, context: Any) -> tuple[str, str, dict[str, str] | None]:
        """(format, uri, storage_options) of the watched table."""
        if "://" in self.table or "/" in self.table:
            return self.format, self.table, self.storage_options
        if context.project is None:
            raise WeirError(f"{self.task_id}: table {self.table!r} is a name, but the run has no project",
                            hint="run it from a weir project, or give the table's URI")
        fmt, uri, options = context.project.table_uri(self.table)
        return fmt, uri, {**(options or {}), **(self.storage_options or {})} or None

    def since(self, context: Any) -> dt.datetime | None:
        if self.newer_than is None:
            return None
        end: dt.datetime = context.data_interval_end
        return end if isinstance(self.newer_than, str) else end - self.newer_than

    def poke(self, context: Any) -> bool:
        fmt, uri, options = self.locate(context)
        since = self.since(context)
        last = probes.last_commit_time(fmt, uri, options)
        if last is None:
            context.log.info("waiting for table %s: no commit yet", self.table)
            return False
        if since is not None and last < since:
            context.log.info("waiting for table %s: last commit %s is before %s", self.table,
                             last.isoformat(), since.isoformat())
            return False
        if self.partition and not probes.partition_exists(fmt, uri, self.partition, options):
            context.log.info("waiting for table %s: no partition %s yet", self.table, self.partition)
            return False
        context.log.info("table %s committed at %s", self.table, last.isoformat())
        return True


class PipelineSensor(Sensor):
    """Succeeds when another pipeline's run for ``logical_date - execution_delta`` is in
    ``allowed_states`` (Airflow's ExternalTaskSensor); with ``external_task_id``, when that task is.

    Both pipelines must use the same ledger, and their schedules must line up (the run is looked
    up by its exact logical date). A run in ``failed_states`` fails the sensor at once.
    """

    def __init__(self, task_id: str, *, external_pipeline: str | None = None, external_dag_id: str | None = None,
                 external_task_id: str | None = None, execution_delta: dt.timedelta = dt.timedelta(0),
                 allowed_states: Sequence[str] = ("success",), failed_states: Sequence[str] = (),
                 **sensor_kwargs: Any) -> None:
        super().__init__(task_id, **sensor_kwargs)
        self.external_pipeline = external_pipeline or external_dag_id or ""
        if not self.external_pipeline:
            self._error(f"{self.task_id} needs external_pipeline='<pipeline id>'")
        self.external_task_id = external_task_id
        self.execution_delta = execution_delta
        self.allowed_states, self.failed_states = tuple(allowed_states), tuple(failed_states)

    def state(self, context: Any) -> tuple[str, str | None]:
        """The logical date looked up, and the state found there (None: no run or task yet)."""
        when = iso(context.logical_date - self.execution_delta)
        if self.external_task_id is None:
            return when, context.store.run_state(self.external_pipeline, when)
        run = context.store.get_run(self.external_pipeline, when)
        if run is None:
            return when, None
        states = [t.state for t in context.store.task_instances(run.run_id) if t.task_id == self.external_task_id]
        # a mapped task has one instance per element: any failed one counts, else all must be allowed
        ranked = sorted(states, key=lambda s: (s not in self.failed_states, s in self.allowed_states))
        return when, ranked[0] if ranked else None

    def poke(self, context: Any) -> bool:
        when, state = self.state(context)
        what = self.external_pipeline + (f".{self.external_task_id}" if self.external_task_id else "")
        if state in self.failed_states:
            raise WeirError(f"{what} for {when} is {state}", hint="clear and rerun it, then this sensor")
        context.log.info("%s for %s is %s", what, when, state or "not there yet")
        return state in self.allowed_states


ExternalTaskSensor = PipelineSensor
