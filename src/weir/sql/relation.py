"""Relations as dbt's Jinja sees them: ``{{ ref('x') }}`` renders a quoted name."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Relation:
    """A table, view, CTE (ephemeral) or external file location."""

    schema: str | None
    identifier: str
    database: str | None = None
    type: str | None = None  # table | view | cte | external
    external: str | None = None  # rendered text for file-backed sources
    include_database: bool = False
    include_schema: bool = True

    # dbt's Relation API ----------------------------------------------------
    @property
    def name(self) -> str:
        return self.identifier

    @property
    def table(self) -> str:
        return self.identifier

    @property
    def is_table(self) -> bool:
        return self.type == "table"

    @property
    def is_view(self) -> bool:
        return self.type == "view"

    @property
    def is_cte(self) -> bool:
        return self.type == "cte"

    def include(self, database: bool | None = None, schema: bool | None = None, identifier: bool = True) -> Relation:
        changes: dict[str, Any] = {}
        if database is not None:
            changes["include_database"] = database
        if schema is not None:
            changes["include_schema"] = schema
        return replace(self, **changes)

    def incorporate(self, path: dict[str, Any] | None = None, type: str | None = None, **_: Any) -> Relation:
        rel = self
        if path:
            rel = replace(
                rel,
                schema=path.get("schema", rel.schema),
                identifier=path.get("identifier", rel.identifier),
                database=path.get("database", rel.database),
            )
        if type:
            rel = replace(rel, type=type)
        return rel

    def quote(self, *_: Any, **__: Any) -> Relation:
        return self

    def render(self) -> str:
        return str(self)

    @property
    def key(self) -> tuple[str, str]:
        return ((self.schema or "").lower(), self.identifier.lower())

    def __str__(self) -> str:
        if self.external is not None:
            return self.external
        if self.type == "cte":
            return self.identifier
        parts = []
        if self.include_database and self.database:
            parts.append(quote(self.database))
        if self.include_schema and self.schema:
            parts.append(quote(self.schema))
        parts.append(quote(self.identifier))
        return ".".join(parts)

    def __html__(self) -> str:  # Jinja's autoescape protocol: never escape a relation
        return str(self)


def ephemeral_name(model_name: str) -> str:
    return f"__dbt__cte__{model_name}"


@dataclass(frozen=True)
class ColumnInfo:
    """A column of a relation, shaped like dbt's ``Column`` object."""

    name: str
    data_type: str

    @property
    def column(self) -> str:
        return self.name

    @property
    def dtype(self) -> str:
        return self.data_type

    @property
    def quoted(self) -> str:
        return quote(self.name)

    def is_string(self) -> bool:
        return self.data_type.upper().startswith(("VARCHAR", "TEXT", "STRING", "CHAR"))

    def is_number(self) -> bool:
        return self.is_integer() or self.is_float() or self.is_numeric()

    def is_integer(self) -> bool:
        return self.data_type.upper() in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "INT")

    def is_float(self) -> bool:
        return self.data_type.upper() in ("DOUBLE", "FLOAT", "REAL")

    def is_numeric(self) -> bool:
        return self.data_type.upper().startswith(("DECIMAL", "NUMERIC"))

    def __str__(self) -> str:
        return self.name
