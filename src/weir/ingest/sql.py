"""What the PostgreSQL and MySQL sources share: table-or-query, cursor predicate,
connection settings with ``{{ env_var() }}`` secrets, and errors that never show them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
import pyarrow as pa

from weir.errors import ConfigError
from weir.ingest.base import SourceAuthError, SourceUnavailable, cursor_state, decode_cursor

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)


def render_secret(value: Any) -> Any:
    """A connection value with ``{{ env_var('X') }}`` resolved (at connect time, never stored)."""
    if not isinstance(value, str) or "{{" not in value:
        return value
    from weir.sql.context import STATIC_GLOBALS

    return _ENV.from_string(value).render(env_var=STATIC_GLOBALS["env_var"])


def resolve_connection(connection: Mapping[str, Any] | str) -> dict[str, Any] | str:
    if isinstance(connection, str):
        return str(render_secret(connection))
    return {k: render_secret(v) for k, v in connection.items() if v is not None}


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` without any of ``secrets`` (passwords, whole DSNs)."""
    for s in sorted({s for s in secrets if s and len(s) > 2}, key=len, reverse=True):
        text = text.replace(s, "***")
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)  # user:password@ in any URL


def connect_error(kind: str, source: str, where: str, exc: BaseException, secrets: Sequence[str],
                  *, auth: bool) -> Exception:
    """One clear error naming the source: refused credentials or an unreachable host."""
    detail = scrub(" ".join(str(exc).split()), secrets)
    if auth:
        return SourceAuthError(f"{kind} source {source!r}: authentication failed at {where}: {detail}",
                               hint="check the user and password of the source's connection")
    return SourceUnavailable(f"{kind} source {source!r}: cannot connect to {where}: {detail}",
                             hint="is the server running and reachable from here?")


class SqlSource:
    """A table or query of a SQL database, read in cursor order when a cursor is set."""

    kind = "sql"
    quote_char = '"'

    def __init__(self, connection: Mapping[str, Any] | str, *, table: str | None = None, query: str | None = None,
                 cursor: str | None = None, primary_key: Sequence[str] = (), batch_size: int = 100_000,
                 name: str | None = None) -> None:
        if (table is None) == (query is None):
            raise ConfigError(f"a {self.kind} source needs exactly one of table: or query:")
        self.connection = connection
        self.table, self.query = table, query
        self.cursor = cursor
        self.primary_key = tuple(primary_key)
        self.batch_size = int(batch_size)
        self.name = name or table or "query"
        self._schema: pa.Schema | None = None

    # -- SQL -----------------------------------------------------------------------------
    def q(self, name: str) -> str:
        c = self.quote_char
        return c + name.replace(c, c + c) + c

    def from_sql(self) -> str:
        if self.table is not None:
            return ".".join(self.q(p) for p in self.table.split("."))
        return f"({self.query}) as weir_q"

    def select_sql(self, columns: Sequence[str], state: dict[str, Any]) -> tuple[str, list[Any]]:
        """SELECT columns FROM the table [WHERE cursor >= hwm] [ORDER BY cursor]; params."""
        sql = f"select {', '.join(columns)} from {self.from_sql()}"
        params: list[Any] = []
        if self.cursor:
            if state.get("cursor") is not None:
                sql += f" where {self.q(self.cursor)} >= %s"
                params.append(decode_cursor(state["cursor"], self.schema().field(self.cursor).type))
            sql += f" order by {self.q(self.cursor)}"
        return sql, params

    def check_columns(self, schema: pa.Schema) -> None:
        for col in (self.cursor, *self.primary_key):
            if col and col not in schema.names:
                raise ConfigError(f"{self.kind} source {self.name}: column {col!r} is not in {self.table or 'the query'}",
                                  hint=f"columns: {', '.join(schema.names)}")

    def schema(self) -> pa.Schema:
        raise NotImplementedError

    def next_state(self, state: dict[str, Any], batch: pa.RecordBatch) -> dict[str, Any]:
        return cursor_state(state, batch, self.cursor)

    # -- connection facts for messages ------------------------------------------------------
    def where(self) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.kind} source {self.name} ({self.where()})"

    def __repr__(self) -> str:
        return f"<{self.describe()}>"
