"""Run observers: code told when a run and each of its nodes start and finish (OpenLineage,
structured logs, later the UI's live view). An observer's error is logged, never raised
into the run."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from weir.logs import log_context
from weir.materialize.runtime import NodeResult
from weir.workspace.executor import Reporter

if TYPE_CHECKING:
    from weir.workspace.workspace import RunResult, Workspace

log = logging.getLogger("weir.run")


@dataclass(frozen=True)
class RunInfo:
    """The run an event belongs to."""

    run_id: str
    command: str
    project: str
    node_ids: tuple[str, ...]


class RunObserver:
    """Override the hooks you need; each is called once per run or per node."""

    def run_started(self, run: RunInfo) -> None:
        """Before any node runs."""

    def node_started(self, run: RunInfo, unique_id: str) -> None:
        """In the worker thread, just before the node runs."""

    def node_finished(self, run: RunInfo, result: NodeResult) -> None:
        """When the node succeeded, failed or was skipped."""

    def run_finished(self, run: RunInfo, result: RunResult) -> None:
        """After the last node, once the ledger has the run."""


class LogObserver(RunObserver):
    """One structured log record per run and node event (INFO; errors as WARNING)."""

    def run_started(self, run: RunInfo) -> None:
        log.info("run started: %s of %d nodes", run.command, len(run.node_ids),
                 extra={"event": "run_started", "command": run.command, "project": run.project})

    def node_finished(self, run: RunInfo, result: NodeResult) -> None:
        level = logging.WARNING if result.status in ("error", "fail") else logging.INFO
        log.log(level, "%s %s %s%s", result.status, result.resource_type, result.name,
                f": {result.message}" if result.message else "",
                extra={"event": "node_finished", "unique_id": result.unique_id, "status": result.status,
                       "rows": result.rows, "duration_s": round(result.duration, 4)})

    def run_finished(self, run: RunInfo, result: RunResult) -> None:
        log.info("run finished: %s", "success" if result.success else "error",
                 extra={"event": "run_finished", "counts": result.counts(),
                        "duration_s": round(result.duration, 3)})


class Notifier:
    """Calls every observer with the run's context set, shielding the run from their errors."""

    def __init__(self, observers: Sequence[RunObserver], run: RunInfo) -> None:
        self.observers = list(observers)
        self.run = run

    def _call(self, hook: str, *args: Any, node: str | None = None) -> None:
        with log_context(run_id=self.run.run_id, node=node):
            for obs in self.observers:
                try:
                    getattr(obs, hook)(self.run, *args)
                except Exception as exc:  # an observer must never break the run it watches
                    log.warning("run observer %s.%s failed: %s", type(obs).__name__, hook, exc)

    def run_started(self) -> None:
        self._call("run_started")

    def run_finished(self, result: RunResult) -> None:
        self._call("run_finished", result)

    def reporter(self, report: Reporter | None) -> Reporter:
        """The executor's callback: observers first, then the caller's own reporter."""

        def both(event: str, result: NodeResult | None, uid: str) -> None:
            if event == "start":
                self._call("node_started", uid, node=uid)
            elif result is not None:
                self._call("node_finished", result, node=uid)
            if report is not None:
                report(event, result, uid)

        return both


def default_observers(ws: Workspace) -> list[RunObserver]:
    """Structured run logs always; OpenLineage events when configured."""
    from weir.workspace.openlineage import openlineage_observer

    observers: list[RunObserver] = [LogObserver()]
    if (ol := openlineage_observer(ws)) is not None:
        observers.append(ol)
    return observers
