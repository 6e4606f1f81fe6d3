"""Wires a run's events to alerts (``weir.orchestration.alerts``) and task callbacks.

Failure and retry events are per task; success is per run; a missed SLA (task not done by the
run's scheduled start, the end of its data interval, plus ``sla``) fires once per task.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from weir.orchestration.context import RunInfo, make_context

log = logging.getLogger(__name__)
_CALLBACK = {"failure": "on_failure_callback", "retry": "on_retry_callback", "success": "on_success_callback"}


class RunAlerts:
    """The alert channels of one pipeline run and the SLA deadlines still to watch."""

    def __init__(self, pipeline: Any, run: RunInfo, settings: dict[str, Any] | None) -> None:
        from weir.orchestration.alerts import alerts_for

        self.p, self.run = pipeline, run
        self.by_kind: dict[str, list[Any]] = {k: list(v) for k, v in
                                              alerts_for(dict(pipeline.default_args), settings).items()}
        for kind in ("failure", "retry", "success", "sla_miss"):
            self.by_kind.setdefault(kind, []).extend(pipeline.alerts.get(f"on_{kind}", []))
        end = run.data_interval_end.timestamp()
        self.sla = {t.task_id: end + t.sla for t in pipeline.tasks.values() if t.sla is not None} \
            if run.run_type == "scheduled" else {}
        self.sla_pending = bool(self.sla)

    def _send(self, kind: str, task_id: str | None, try_number: int, error: str | None) -> None:
        from weir.orchestration.alerts import AlertEvent, dispatch

        channels = self.by_kind.get(kind) or []
        if not channels:
            return
        event = AlertEvent(kind=kind, pipeline=self.p.pipeline_id, task=task_id, run_id=self.run.run_id,  # type: ignore[arg-type]
                           interval_start=self.run.data_interval_start, interval_end=self.run.data_interval_end,
                           try_number=try_number, error=error)
        dispatch(channels, event)

    def task_event(self, kind: str, executor: Any, ti: Any) -> None:
        """A task failed for good, is up for retry, or succeeded: callbacks, then alert channels."""
        callback = getattr(ti.task, _CALLBACK[kind], None)
        if callback is not None:
            ctx = make_context(self.run, ti.task, ti.map_index, ti.try_number, executor.params[ti.task.task_id],
                               executor.results, None)
            try:
                callback(ctx)
            except Exception:  # a broken callback must not stop the run
                log.exception("%s of %s raised", _CALLBACK[kind], ti.task.task_id)
        if kind != "success":
            self._send(kind, ti.task.task_id, ti.try_number, ti.error)

    def run_event(self, state: str, error: str | None = None) -> None:
        if state == "success":
            self._send("success", None, 1, None)

    def check_sla(self, executor: Any, now: float) -> None:
        for task_id, deadline in list(self.sla.items()):
            if now < deadline:
                continue
            del self.sla[task_id]
            node = executor.nodes.get(task_id)
            if node is None or (node.state in ("success", "skipped") and node.tis and
                                max(ti.finished_at or 0 for ti in node.tis) <= deadline):
                continue
            for ti in node.tis or []:
                ti.sla_missed = True
                executor._record(ti)
            missed = dt.datetime.fromtimestamp(deadline, dt.UTC).isoformat(timespec="seconds")
            self._send("sla_miss", task_id, max((ti.try_number for ti in node.tis), default=0),
                       f"not finished by its SLA deadline {missed}")
        self.sla_pending = bool(self.sla)
