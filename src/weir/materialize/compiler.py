"""Compiling nodes to runnable SQL at execution time: refs resolve to real
relations, ``run_query`` hits the engine, ephemeral models become CTEs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weir.engines.base import Engine
from weir.errors import CompilationError, EngineError
from weir.graph import Node
from weir.project.loader import REF_EXPR, Project
from weir.project.naming import node_dict
from weir.project.package import scoped_vars
from weir.sql.compile import render, render_native
from weir.sql.context import NodeContextSpec, ResultTable, build_context
from weir.sql.relation import ColumnInfo, Relation
from weir.sql.render import MacroRegistry, make_environment


@dataclass
class Hooks:
    """RenderHooks backed by the project's relations and the engine."""

    project: Project
    engine: Engine
    node: Node | None = None

    def ref(self, name: str, package: str | None, version: Any) -> Relation:
        keys = [(package, name)] if package else [(p, name) for p in (
            self.node.package if self.node else self.project.name, self.project.name, *self.project.packages)]
        for key in keys:
            uid = self.project.refs.get(key)  # type: ignore[arg-type]
            if uid:
                return self.project.relations[uid]
        raise CompilationError(f"ref({name!r}) not found", node=self.node.name if self.node else None)

    def source(self, source_name: str, table_name: str) -> Relation:
        uid = self.project.sources.get((source_name, table_name))
        if uid is None:
            raise CompilationError(f"source({source_name!r}, {table_name!r}) not found")
        return self.project.relations[uid]

    def run_sql(self, sql: str, fetch: bool) -> ResultTable | None:
        if not sql.strip():
            return None
        cols, rows = self.engine.fetch(sql)
        return ResultTable(cols, rows)

    def columns(self, relation: Relation) -> list[ColumnInfo]:
        try:
            return self.engine.columns(relation)
        except EngineError:
            return []

    def get_relation(self, database: str | None, schema: str, identifier: str) -> Relation | None:
        kind = self.engine.relation_type(schema, identifier)
        if kind is None:
            return None
        return Relation(schema=schema, identifier=identifier, database=database, type=kind)


@dataclass
class Compiler:
    """Renders nodes for one run."""

    project: Project
    engine: Engine
    run_started_at: datetime.datetime
    invocation_id: str
    flags: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = make_environment(parse=False)
        self.registry = MacroRegistry(self.env, root_package=self.project.name, packages=self.project.macros,
                                      dispatch_order=self.project.dispatch,
                                      adapter_type=str(getattr(self.engine, "name", "duckdb")))
        self._ephemeral: dict[str, str] = {}

    def context(self, node: Node, *, is_incremental: bool = False, extra: dict[str, Any] | None = None
                ) -> tuple[dict[str, Any], Any]:
        target = self.project.target.redacted()
        target.update(schema=self.project.target.schema, profile_name=str(
            self.project.root_package.config.get("profile") or self.project.name), type=self.registry.adapter_type)
        relation = self.project.relations.get(node.unique_id)
        spec = NodeContextSpec(
            package=node.package, project_name=self.project.name, target=target,
            vars=scoped_vars(self.project.packages, self.project.root_package, node.package, self.project.cli_vars), this=relation,
            model=node_dict(self.project, node.unique_id, relation), config=dict(node.config),
            is_incremental=is_incremental, execute=True, flags=self.flags, invocation_id=self.invocation_id,
            run_started_at=self.run_started_at, docs=self.project.docs, extra=extra or {},
        )
        return build_context(spec, self.registry, Hooks(self.project, self.engine, node))

    def render(self, node: Node, text: str, *, is_incremental: bool = False, extra: dict[str, Any] | None = None
               ) -> str:
        ctx, _ = self.context(node, is_incremental=is_incremental, extra=extra)
        return render(self.env, text, ctx, path=_display_path(self.project, node), node=node.name)

    def compile(self, node: Node, *, is_incremental: bool = False) -> str:
        """A model's, snapshot's or singular test's SQL with ephemeral CTEs injected."""
        sql = self.render(node, node.raw_code, is_incremental=is_incremental)
        return self.with_ephemerals(node, self.to_weir_dialect(node, sql))

    def to_weir_dialect(self, node: Node, sql: str) -> str:
        """A model written in another dialect (config or target ``sql_dialect``) as weir's own
        SQL (DuckDB's), which every engine accepts; DuckDB-dialect SQL passes untouched."""
        dialect = str(node.config.get("sql_dialect") or getattr(self.project.target, "sql_dialect", None)
                      or "duckdb").lower()
        if dialect == "duckdb":
            return sql
        import sqlglot

        try:
            return ";\n".join(sqlglot.transpile(sql.strip().rstrip(";"), read=dialect, write="duckdb"))
        except sqlglot.errors.SqlglotError as exc:
            raise CompilationError(f"cannot read this {dialect} SQL: {exc}", path=node.path, node=node.name) from None

    def with_ephemerals(self, node: Node, sql: str) -> str:
        ctes = self._ephemeral_ctes(node, seen=set())
        if not ctes:
            return sql
        body = ",\n".join(f"{name} as (\n{cte}\n)" for name, cte in ctes)
        return f"with {body}\nselect * from (\n{sql.rstrip().rstrip(';')}\n) as __weir_main"

    def _ephemeral_ctes(self, node: Node, seen: set[str]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for dep in node.depends_on:
            parent = self.project.graph.nodes.get(dep)
            if parent is None or parent.resource_type != "model" or parent.materialized != "ephemeral":
                continue
            if dep in seen:
                continue
            seen.add(dep)
            out += self._ephemeral_ctes(parent, seen)
            if dep not in self._ephemeral:
                rendered = self.to_weir_dialect(parent, self.render(parent, parent.raw_code))
                self._ephemeral[dep] = rendered.rstrip().rstrip(";")
            out.append((self.project.relations[dep].identifier, self._ephemeral[dep]))
        return out

    def write_compiled(self, node: Node, sql: str, kind: str = "compiled") -> Path:
        path = self.project.target_dir / kind / node.package / node.path
        if node.resource_type == "test" and node.test and node.test.test_name != "singular":
            path = path.parent / f"{node.name}.sql"
        if node.language == "python":
            path = path.with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
        return path

    def test_kwargs(self, node: Node, ctx: dict[str, Any]) -> dict[str, Any]:
        """A generic test's arguments, with ``ref(...)``/``source(...)`` strings resolved."""
        assert node.test is not None
        out: dict[str, Any] = {}
        for key, value in node.test.kwargs.items():
            out[key] = self._render_arg(node, value, ctx)
        return out

    def _render_arg(self, node: Node, value: Any, ctx: dict[str, Any]) -> Any:
        if isinstance(value, str) and REF_EXPR.match(value):
            return render(self.env, "{{ " + value + " }}", ctx, path=node.path, node=node.name)
        if isinstance(value, list):
            return [self._render_arg(node, v, ctx) for v in value]
        if isinstance(value, dict):
            return {k: self._render_arg(node, v, ctx) for k, v in value.items()}
        return render_native(self.env, value, ctx, path=node.path, node=node.name)

def _display_path(project: Project, node: Node) -> str:
    return node.path if node.package == project.name else f"{node.root_path}/{node.path}"
