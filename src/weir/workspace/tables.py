"""Table maintenance on a workspace (``weir table ...``): history, optimize, vacuum and
restore of a model's, seed's, snapshot's or source's lakehouse table. After a change the
engine's pointer view is moved to the table's new version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from weir.errors import FormatError, GraphError
from weir.formats.base import Commit, TableFormat
from weir.materialize.runtime import POINTERS, ensure_catalog
from weir.sql.relation import Relation, literal

if TYPE_CHECKING:
    from weir.engines.duckdb import DuckDBEngine
    from weir.project.loader import Project


@dataclass(frozen=True)
class TableRef:
    """A lakehouse table named on the command line, and the format that holds it."""

    relation: Relation
    format: TableFormat

    @property
    def name(self) -> str:
        return f"{self.relation.schema}.{self.relation.identifier}"


class TableOps:
    """Mixed into ``Workspace``: maintenance of one table at a time."""

    project: Project
    engine: DuckDBEngine
    formats: dict[str, TableFormat]

    def table_ref(self, name: str) -> TableRef:
        """``name`` is a model, seed, snapshot or ``source.table`` name, or ``schema.table``."""
        relation, configured = self._relation_named(name)
        ensure_catalog(self.engine)
        _, rows = self.engine.fetch(f"select format from {POINTERS} where schema_name = {literal(relation.schema or '')} "
                                    f"and table_name = {literal(relation.identifier)}")
        fmt_name = str(rows[0][0]) if rows else configured
        fmt = self.formats.get(fmt_name)
        if fmt is None or not fmt.external:
            raise FormatError(f"{name} is not a lakehouse table (format {fmt_name!r})",
                              hint="weir table commands work on delta and iceberg tables")
        if not fmt.exists(relation):
            raise FormatError(f"{name} has no {fmt.name} table yet", hint=f"build it first: weir build -s {name}")
        return TableRef(Relation(schema=relation.schema, identifier=relation.identifier, type="table"), fmt)

    def _relation_named(self, name: str) -> tuple[Relation, str]:
        target_format = str(self.project.target.table_format)
        try:
            node = self.project.find(name)
        except GraphError:
            schema, dot, ident = name.partition(".")
            if not dot:
                raise
            return Relation(schema=schema, identifier=ident), target_format
        rel = self.project.relations.get(node.unique_id)
        if rel is None or node.resource_type not in ("model", "seed", "snapshot", "source"):
            raise GraphError(f"{node.resource_type} {name!r} has no table")
        return rel, str(node.config.get("table_format") or target_format)

    def table_history(self, name: str, limit: int | None = None) -> list[dict[str, Any]]:
        """The table's commits, newest first."""
        ref = self.table_ref(name)
        return ref.format.history(ref.relation, limit)

    def optimize_table(self, name: str) -> dict[str, Any]:
        """Compact the table's small files; returns the format's metrics."""
        ref = self.table_ref(name)
        metrics = ref.format.optimize(ref.relation, metadata={"weir.command": "table optimize"})
        self._repoint(ref)
        return metrics

    def vacuum_table(self, name: str, *, retain_hours: float = 168.0, dry_run: bool = False) -> list[str]:
        """Delete files older versions needed; returns them (``dry_run``: would delete)."""
        ref = self.table_ref(name)
        files = ref.format.vacuum(ref.relation, retain_hours=retain_hours, dry_run=dry_run)
        if not dry_run:
            self._repoint(ref)
        return files

    def restore_table(self, name: str, version: int) -> Commit:
        """Make ``version`` current again as a new commit; the engine reads it at once."""
        ref = self.table_ref(name)
        commit = ref.format.restore(ref.relation, version, metadata={"weir.command": "table restore",
                                                                    "weir.restored_version": str(version)})
        self._repoint(ref, commit)
        return commit

    def _repoint(self, ref: TableRef, commit: Commit | None = None) -> None:
        rel, fmt = ref.relation, ref.format
        version = commit.version if commit is not None else fmt.version(rel)
        pointer = (f"insert or replace into {POINTERS} values ({literal(rel.schema or '')}, "
                   f"{literal(rel.identifier)}, {literal(fmt.name)}, {version or 0})")
        self.engine.create_view(rel, (commit.scan if commit else None) or fmt.scan_sql(rel), also=pointer)


__all__ = ["TableOps", "TableRef"]
