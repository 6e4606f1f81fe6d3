"""The facade used by the CLI, the UI and notebooks: load a project, plan, run."""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from weir.checks.observe import observe_table, record_outcomes
from weir.checks.tests import run_test, test_sql, validate_expectations
from weir.errors import GraphError
from weir.formats.base import TableFormat
from weir.formats.registry import make_formats
from weir.graph import Node
from weir.lineage import Lineage
from weir.logs import log_context
from weir.materialize.compiler import Compiler
from weir.materialize.models import materialize_model
from weir.materialize.runtime import NodeResult, Runtime, sync_catalog
from weir.materialize.seeds import materialize_seed
from weir.materialize.session_catalog import attach_project
from weir.materialize.snapshots import materialize_snapshot
from weir.project.loader import Project, load_project
from weir.sql.relation import Relation
from weir.state import Ledger
from weir.workspace.engines import make_engine
from weir.workspace.executor import Interrupted, Reporter, execute
from weir.workspace.observers import Notifier, RunInfo, RunObserver, default_observers
from weir.workspace.plan import Plan, make_plan
from weir.workspace.tables import TableOps


@dataclass
class RunResult:
    run_id: str
    command: str
    results: list[NodeResult] = field(default_factory=list)
    duration: float = 0.0

    @property
    def success(self) -> bool:
        return not any(r.status in ("error", "fail") for r in self.results)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.status] = out.get(r.status, 0) + 1
        return out


class Workspace(TableOps):
    """One project opened on one target."""

    def __init__(self, project: Project) -> None:
        self.project = project
        target = project.target
        self.engine = make_engine(project)  # DuckDB, or Spark for `type: spark`
        warehouse = target.warehouse or str(project.root / "lakehouse")
        if "://" not in warehouse and not Path(warehouse).is_absolute():
            warehouse = str(project.root / warehouse)
        try:  # bad storage settings: release the engine's catalog file before raising
            self.formats: dict[str, TableFormat] = make_formats(self.engine, warehouse=warehouse, target=target,
                                                               state_dir=project.state_dir)
        except BaseException:
            self.engine.close()
            raise
        self._ledger: Ledger | None = None
        #: told of every run and node start/finish (None: the defaults, built at the first run)
        self.observers: list[RunObserver] | None = None
        if not getattr(self.engine, "writes_files", False):
            try:  # unreadable tables (credentials): release the catalog file before raising
                sync_catalog(self.engine, self.formats)
            except BaseException:
                self.engine.close()
                raise
        self._attached = False  # the engine is shown the project's existing tables at the first run

    # -- construction ------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path = ".", *, target: str | None = None, vars: dict[str, Any] | None = None,
             profiles_dir: str | Path | None = None) -> Workspace:
        project = load_project(Path(path), target=target, cli_vars=vars or {},
                               profiles_dir=Path(profiles_dir) if profiles_dir else None)
        validate_expectations(project.graph)
        return cls(project)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def close(self) -> None:
        self.engine.close()
        if self._ledger is not None:
            self._ledger.close()

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(self.project.state_dir / "ledger.db")
        return self._ledger

    # -- planning ------------------------------------------------------------------------
    def plan(self, command: str, select: Sequence[str] | None = None, exclude: Sequence[str] | None = None,
             *, full_refresh: bool = False) -> Plan:
        return make_plan(self.project.graph, command, select, exclude, full_refresh=full_refresh)

    def _runtime(self, run_id: str, full_refresh: bool, command: str) -> Runtime:
        started = datetime.datetime.now(datetime.UTC)
        compiler = Compiler(self.project, self.engine, started, run_id,
                            flags={"FULL_REFRESH": full_refresh, "WHICH": command})
        rt = Runtime(self.project, self.engine, self.formats, compiler, self.ledger, run_id, full_refresh)
        if not self._attached:  # tables built before, possibly by another engine or catalog
            attach_project(rt, missing_only=not getattr(self.engine, "writes_files", False))
            self._attached = True
        return rt

    # -- running ---------------------------------------------------------------------------
    def run_plan(self, plan: Plan, *, threads: int | None = None, report: Reporter | None = None,
                 debug: bool = False) -> RunResult:
        run_id = uuid.uuid4().hex[:12]
        rt = self._runtime(run_id, plan.full_refresh, plan.command)
        self.ledger.start_run(run_id, plan.command, self.project.name, self.project.target.name,
                              {"nodes": len(plan), "full_refresh": plan.full_refresh})
        if self.observers is None:
            self.observers = default_observers(self)
        notify = Notifier(self.observers, RunInfo(run_id, plan.command, self.project.name, tuple(plan.ids)))
        notify.run_started()
        for schema in {r.schema for u, r in self.project.relations.items()
                       if r.schema and u in set(plan.ids) and r.type != "external"}:
            self.engine.ensure_schema(schema)
        start = time.time()
        names = {u: (self.project.graph.nodes[u].name, self.project.graph.nodes[u].resource_type) for u in plan.ids}

        def run_node(uid: str) -> NodeResult:
            node = self.project.graph.nodes[uid]
            res = NodeResult(uid, node.name, node.resource_type, "success")
            rel = self.project.relations.get(uid)
            res.relation = str(rel) if rel is not None and node.is_relation else None
            _DISPATCH[node.resource_type](rt, node, res)
            if res.status == "success" and node.resource_type != "test":
                observe_table(rt, self.ledger, node, res)
            return res

        def run_logged(uid: str) -> NodeResult:
            with log_context(run_id=run_id, node=uid):  # every log line of the node carries both
                return run_node(uid)

        try:
            results = execute(plan, run_logged, threads=threads or self.project.target.threads,
                              report=notify.reporter(report), names=names, debug=debug, cancel=self.engine.cancel)
        except Interrupted as exc:  # Ctrl-C: what finished is recorded, the run is marked cancelled
            self._record(run_id, exc.results, rt)
            self.ledger.finish_run(run_id, "cancelled")
            raise
        self._record(run_id, results, rt)
        out = RunResult(run_id, plan.command, results, time.time() - start)
        self.ledger.finish_run(run_id, "success" if out.success else "error")
        notify.run_finished(out)
        return out

    def _record(self, run_id: str, results: list[NodeResult], rt: Any) -> None:
        self.ledger.flush(
            [(run_id, r.unique_id, r.name, r.resource_type, r.status, r.rows, r.duration, r.message or None,
              r.compiled_path, r.started_at, r.started_at + r.duration) for r in results],
            rt.versions,
        )
        record_outcomes(self.ledger, run_id, self.project.graph, results)

    def build(self, select: Sequence[str] | None = None, exclude: Sequence[str] | None = None, *,
              full_refresh: bool = False, **kw: Any) -> RunResult:
        return self.run_plan(self.plan("build", select, exclude, full_refresh=full_refresh), **kw)

    def run(self, select: Sequence[str] | None = None, exclude: Sequence[str] | None = None, *,
            full_refresh: bool = False, **kw: Any) -> RunResult:
        return self.run_plan(self.plan("run", select, exclude, full_refresh=full_refresh), **kw)

    def seed(self, select: Sequence[str] | None = None, exclude: Sequence[str] | None = None,
             **kw: Any) -> RunResult:
        return self.run_plan(self.plan("seed", select, exclude, full_refresh=kw.pop("full_refresh", False)), **kw)

    def snapshot(self, select: Sequence[str] | None = None, exclude: Sequence[str] | None = None,
                 **kw: Any) -> RunResult:
        return self.run_plan(self.plan("snapshot", select, exclude), **kw)

    def test(self, select: Sequence[str] | None = None, exclude: Sequence[str] | None = None,
             **kw: Any) -> RunResult:
        return self.run_plan(self.plan("test", select, exclude), **kw)

    def ingest(self, select: Sequence[str] | None = None, exclude: Sequence[str] | None = None, *,
               full_refresh: bool = False, **kw: Any) -> RunResult:
        """Run the ingestion of the selected sources (``source:shop``), nothing else."""
        return self.run_plan(self.plan("ingest", select, exclude, full_refresh=full_refresh), **kw)

    def compile(self, select: Sequence[str] | None = None, exclude: Sequence[str] | None = None
                ) -> dict[str, str]:
        """Compiled SQL of the selected models, snapshots and tests, written under target/compiled."""
        plan = self.plan("compile", select, exclude)
        rt = self._runtime("compile", False, "compile")
        out = {}
        for uid in plan.ids:
            node = self.project.graph.nodes[uid]
            if node.language == "python":
                out[uid] = node.raw_code
                continue
            sql = test_sql(rt, node) if node.resource_type == "test" else rt.compiler.compile(node)
            rt.compiler.write_compiled(node, sql)
            out[uid] = sql
        return out

    # -- reading ---------------------------------------------------------------------------
    def relations(self) -> list[tuple[str, str]]:
        """(schema, name) of every relation in this target's catalog, like the tables a dbt
        warehouse holds (including ones whose model was since removed)."""
        self._attach()
        return sorted((s, n) for s, n, _ in self.engine.list_relations())

    def relation_of(self, name: str) -> Relation:
        node = self.project.find(name)
        rel = self.project.relations.get(node.unique_id)
        if rel is None or (not node.is_relation and node.resource_type != "source"):
            raise GraphError(f"{node.resource_type} {name!r} has no table or view to show")
        return rel

    def read_table(self, schema_or_name: str, name: str | None = None, *, limit: int | None = None) -> pa.Table:
        """A relation's rows as Arrow: ``read_table("orders")`` or ``read_table("main", "orders")``."""
        if name is None:
            rel: Relation | str = self.relation_of(schema_or_name)
        else:
            rel = Relation(schema=schema_or_name, identifier=name)
        sql = f"select * from {rel}" + (f" limit {int(limit)}" if limit is not None else "")
        return self.query(sql)

    def query(self, sql: str) -> pa.Table:
        self._attach()
        return self.engine.arrow(sql)

    def _attach(self) -> None:
        if not self._attached:  # a fresh session or catalog learns the project's existing tables
            self._runtime("query", False, "query")

    def node(self, name: str) -> Node:
        return self.project.find(name)

    def lineage(self, *, use_cache: bool = True) -> Lineage:
        """Table and column lineage of the project as plain data (``weir.lineage.Lineage``)."""
        from weir.workspace.lineage import project_lineage

        return project_lineage(self, use_cache=use_cache)



def _run_model(rt: Runtime, node: Node, res: NodeResult) -> None:
    materialize_model(rt, node, res)


def _run_ingest(rt: Runtime, node: Node, res: NodeResult) -> None:
    from weir.workspace.ingest import run_ingest_node

    run_ingest_node(rt, node, res)


_DISPATCH = {
    "model": _run_model,
    "asset": _run_model,  # @asset functions: staged, audited and published like Python models
    "seed": materialize_seed,
    "snapshot": materialize_snapshot,
    "test": run_test,
    "ingest": _run_ingest,
}
