"""The table-format contract: atomic writes, merges, versions, history, and how an
engine reads the table. Every write is one commit that carries weir's metadata."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from weir.errors import FormatError
from weir.sql.relation import Relation


@dataclass(frozen=True)
class Commit:
    """What a write left behind."""

    version: int | None
    rows_written: int | None = None
    operation: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    #: how the embedded engine reads this version (saves reopening the table to publish it)
    scan: str | None = None


@dataclass(frozen=True)
class AppCommit:
    """Application state committed in the same atomic commit as a write.

    A stream's consumed offsets or an ingestion's cursor live in the table's own log,
    so data and position can never disagree. ``version`` increases by one per commit
    of ``app_id``; a writer that finds ``app_state(...).version >= version`` knows the
    batch is already in the table (a replay after a crash) and skips it.
    """

    app_id: str
    version: int
    state: dict[str, Any] = field(default_factory=dict)


class TableFormat(ABC):
    """Delta Lake, Iceberg, or DuckDB-native tables."""

    name: str = "base"
    #: the format holds its data outside the engine, so the engine needs a pointer view
    external: bool = True
    #: write/merge also take a SELECT (str) run by the engine itself instead of Arrow
    accepts_sql: bool = False
    #: write/merge take ``app=AppCommit`` and ``app_state()`` reads it back
    supports_app_commits: bool = False

    @abstractmethod
    def exists(self, relation: Relation) -> bool: ...

    @abstractmethod
    def version(self, relation: Relation) -> int | None: ...

    @abstractmethod
    def schema(self, relation: Relation) -> pa.Schema: ...

    @abstractmethod
    def write(
        self,
        relation: Relation,
        data: pa.RecordBatchReader,
        *,
        mode: str,  # overwrite | append
        metadata: dict[str, str],
        partition_by: Sequence[str] | None = None,
        predicate: str | None = None,
        schema_mode: str | None = None,  # merge | overwrite
        app: AppCommit | None = None,
    ) -> Commit: ...

    @abstractmethod
    def merge(
        self,
        relation: Relation,
        data: pa.RecordBatchReader,
        *,
        keys: Sequence[str],
        metadata: dict[str, str],
        delete_matched: bool = False,
        merge_schema: bool = False,
        update_columns: Sequence[str] | None = None,
        app: AppCommit | None = None,
    ) -> Commit:
        """Upsert ``data`` on ``keys``; with ``delete_matched`` (delete+insert), every
        target row matching a key of ``data`` is replaced by the rows of ``data``;
        ``update_columns`` limits what a matched row updates (dbt's merge_update_columns)."""

    @abstractmethod
    def scan_sql(self, relation: Relation) -> str:
        """A SELECT the embedded engine runs to read the table's current version."""

    @abstractmethod
    def history(self, relation: Relation, limit: int | None = None) -> list[dict[str, Any]]: ...

    def app_state(self, relation: Relation, app_id: str) -> AppCommit | None:
        """The newest ``AppCommit`` of ``app_id`` in the table, or None."""
        raise FormatError(f"the {self.name} table format cannot carry application state ({relation})")

    # -- table maintenance (optional; ``weir table ...``) ------------------------------------
    def optimize(self, relation: Relation, *, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        """Compact small data files into fewer large ones in one commit; returns metrics."""
        raise self._unsupported("optimize", relation)

    def vacuum(self, relation: Relation, *, retain_hours: float = 168.0, dry_run: bool = False) -> list[str]:
        """Delete data files that no version younger than ``retain_hours`` needs; returns
        the files deleted (with ``dry_run``: the files that would be)."""
        raise self._unsupported("vacuum", relation)

    def restore(self, relation: Relation, version: int, *, metadata: dict[str, str] | None = None) -> Commit:
        """Make ``version``'s rows current again, as a new commit (history is kept)."""
        raise self._unsupported("restore", relation)

    def _unsupported(self, op: str, relation: Relation) -> FormatError:
        return FormatError(f"the {self.name} table format does not support {op} ({relation})",
                           hint="table maintenance works on delta and iceberg tables")

    def drop(self, relation: Relation) -> None:  # noqa: B027 - optional
        """Remove the table's data (full-refresh of a format that cannot overwrite schema)."""
