"""The run observer that turns a workspace run into OpenLineage events: START when a node
starts, COMPLETE or FAIL when it ends, with its input and output tables, their schemas
and the output's column lineage."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from weir.errors import EngineError
from weir.lineage import Lineage
from weir.lineage.openlineage import DatasetInfo, Emitter, NodeRun, node_event
from weir.materialize.runtime import NodeResult
from weir.workspace.observers import RunInfo, RunObserver

if TYPE_CHECKING:
    from weir.workspace.workspace import RunResult, Workspace

log = logging.getLogger("weir.openlineage")


def openlineage_observer(ws: Workspace) -> OpenLineageObserver | None:
    """An observer when weir.yml has ``openlineage:`` or ``OPENLINEAGE_URL`` is set."""
    from weir.config import OpenLineageSettings

    settings = ws.project.settings.openlineage
    if settings is None and os.environ.get("OPENLINEAGE_URL"):
        settings = OpenLineageSettings()
    if settings is None:
        return None
    return OpenLineageObserver(ws, Emitter(settings, root=ws.project.root), settings.namespace)


def dataset_namespace(warehouse: str) -> str:
    """The warehouse as a URI: ``s3://bucket/path`` as is, a local folder as ``file://``."""
    return warehouse if "://" in warehouse else Path(warehouse).resolve().as_uri()


class OpenLineageObserver(RunObserver):
    """Builds each node's event from the project's lineage and the catalog after the write."""

    def __init__(self, ws: Workspace, emitter: Emitter, namespace: str | None = None) -> None:
        self.ws = ws
        self.emitter = emitter
        self.namespace = namespace or ws.project.name
        target = ws.project.target
        self.datasets = dataset_namespace(target.warehouse or str(ws.project.root / "lakehouse"))
        self.lineage: Lineage | None = None
        self.sql: dict[str, str] = {}

    def run_started(self, run: RunInfo) -> None:
        from weir.workspace.lineage import lineage_inputs, project_lineage

        inputs = lineage_inputs(self.ws)
        self.sql = inputs.sql
        self.lineage = project_lineage(self.ws, inputs=inputs)

    def _node_run(self, run: RunInfo, uid: str, *, after: bool) -> NodeRun:
        graph = self.ws.project.graph
        node = graph.nodes[uid]
        lineage = self.lineage
        info = lineage.nodes.get(uid) if lineage else None
        inputs = tuple(self._dataset(p, after=False) for p in graph.parents[uid]
                       if graph.nodes[p].resource_type != "test" and p in self.ws.project.relations)
        output = self._dataset(uid, after=after) if info is not None and node.is_relation else None
        return NodeRun(run.run_id, run.command, self.namespace, node.name, uid, self.datasets, inputs,
                       output, lineage.columns.get(uid) if lineage else None, self.sql.get(uid))

    def _dataset(self, uid: str, *, after: bool) -> DatasetInfo:
        rel = self.ws.project.relations[uid]
        name = f"{rel.schema}.{rel.identifier}" if rel.schema else rel.identifier
        fields: dict[str, str] = {}
        if after:
            try:
                fields = {c.name: c.data_type for c in self.ws.engine.columns(rel)}
            except EngineError as exc:
                log.debug("no schema for %s: %s", name, exc)
        if not fields and self.lineage is not None and uid in self.lineage.nodes:
            fields = {c: "" for c in self.lineage.nodes[uid].columns}
        return DatasetInfo(uid, name, fields)

    def node_started(self, run: RunInfo, unique_id: str) -> None:
        self.emitter.emit(node_event(self._node_run(run, unique_id, after=False), "START"))

    def node_finished(self, run: RunInfo, result: NodeResult) -> None:
        if result.status == "skipped":
            return  # it never started
        failed = result.status in ("error", "fail")
        event = node_event(self._node_run(run, result.unique_id, after=not failed), "FAIL" if failed else "COMPLETE",
                           error=result.message or result.status if failed else None)
        self.emitter.emit(event)

    def run_finished(self, run: RunInfo, result: RunResult) -> None:
        self.emitter.flush()
