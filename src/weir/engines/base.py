"""The engine contract: run SQL in a dialect, move data as Arrow, state capabilities."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from weir.sql.relation import ColumnInfo, Relation

if TYPE_CHECKING:  # pyarrow is heavy to import; these modules only name its types
    import pyarrow as pa


class Engine(ABC):
    """A compute engine. Capabilities are class constants; missing ones are emulated
    once, by the materializers, not per engine."""

    name: str = "base"
    dialect: str = "duckdb"
    supports_views: bool = True
    supports_merge: bool = False
    supports_transactions: bool = False

    @abstractmethod
    def execute(self, sql: str) -> None:
        """Run a statement, discarding any result."""

    @abstractmethod
    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run a query and return column names and rows."""

    @abstractmethod
    def reader(self, sql: str, batch_rows: int = 1_000_000) -> pa.RecordBatchReader:
        """Stream a query's result as Arrow record batches (bounded memory)."""

    @abstractmethod
    def columns(self, relation: Relation | str) -> list[ColumnInfo]:
        """Columns of a relation or of a query's result."""

    @abstractmethod
    def relation_type(self, schema: str, identifier: str) -> str | None:
        """``table``, ``view`` or None when the relation does not exist."""

    @abstractmethod
    def create_view(self, relation: Relation, sql: str) -> None: ...

    @abstractmethod
    def drop(self, relation: Relation) -> None: ...

    @abstractmethod
    def stage(self, key: str, sql: str) -> Relation:
        """Materialize a query into a private staging relation; returns it."""

    @abstractmethod
    def stage_arrow(self, key: str, data: pa.Table | pa.RecordBatchReader) -> Relation: ...

    @abstractmethod
    def unstage(self, relation: Relation) -> None: ...

    @abstractmethod
    def export_sql(self, relation: Relation) -> str:
        """A SELECT over ``relation`` casting types the lakehouse formats cannot store."""

    def count(self, relation: Relation | str) -> int:
        _, rows = self.fetch(f"select count(*) from {relation}")
        return int(rows[0][0])

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def cancel(self) -> None:  # noqa: B027 - optional hook
        """Stop the queries running now, from another thread (Ctrl-C): they fail promptly."""

    def list_relations(self) -> Sequence[tuple[str, str, str]]:
        """(schema, name, type) of every relation the engine's catalog holds."""
        return []

    def defer(self, relation: Relation, register: Callable[[], None]) -> None:
        """Make ``relation`` known by calling ``register`` — at once here; an engine whose
        catalog is rebuilt per session (Spark) calls it when the relation is first used."""
        register()

    def resolve(self, text: str) -> None:  # noqa: B027 - optional hook
        """Carry out the deferred registrations of the relations ``text`` may name."""
