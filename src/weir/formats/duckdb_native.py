"""Tables stored inside the DuckDB catalog file (``table_format: duckdb``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from weir.engines.duckdb import DuckDBEngine
from weir.formats.base import AppCommit, Commit, TableFormat
from weir.sql.relation import Relation, quote


class DuckDBNativeFormat(TableFormat):
    name = "duckdb"
    external = False
    accepts_sql = True

    def __init__(self, engine: DuckDBEngine) -> None:
        self.engine = engine

    def exists(self, relation: Relation) -> bool:
        return self.engine.relation_type(relation.schema or "main", relation.identifier) == "table"

    def version(self, relation: Relation) -> int | None:
        return None

    def schema(self, relation: Relation) -> pa.Schema:
        return self.engine.arrow(f"select * from {relation} limit 0").schema

    def _in(self, data: pa.RecordBatchReader | str) -> str:
        if isinstance(data, str):  # a query of this engine: no Arrow round trip
            return f"({data}\n)"
        self.engine.con.register("__weir_fmt_in", data)
        return "__weir_fmt_in"

    def _release(self, src: str) -> None:
        if src == "__weir_fmt_in":
            self.engine.con.unregister(src)

    def write(self, relation: Relation, data: pa.RecordBatchReader | str,  # type: ignore[override]
              *, mode: str, metadata: dict[str, str],
              partition_by: Sequence[str] | None = None, predicate: str | None = None,
              schema_mode: str | None = None, app: AppCommit | None = None) -> Commit:
        if app is not None:
            self.app_state(relation, app.app_id)  # raises: DuckDB tables carry no application state
        assert relation.schema
        self.engine.ensure_schema(relation.schema)
        src = self._in(data)
        if mode == "overwrite" and predicate:
            statements = [f"delete from {relation} where {predicate}",
                          f"insert into {relation} by name select * from {src}"]
        elif mode == "overwrite" or not self.exists(relation):
            statements = [f"create or replace table {relation} as select * from {src}"]
            if self.engine.relation_type(relation.schema, relation.identifier) == "view":
                statements.insert(0, f"drop view {relation}")
        else:
            statements = [f"insert into {relation} by name select * from {src}"]
        try:
            self.engine.transaction(statements)  # all or nothing
        finally:
            self._release(src)
        return Commit(version=None)

    def merge(self, relation: Relation, data: pa.RecordBatchReader | str,  # type: ignore[override]
              *, keys: Sequence[str],
              metadata: dict[str, str], delete_matched: bool = False, merge_schema: bool = False,
              update_columns: Sequence[str] | None = None, app: AppCommit | None = None) -> Commit:
        if app is not None:
            self.app_state(relation, app.app_id)  # raises: DuckDB tables carry no application state
        src = self._in(data)
        on = " and ".join(f"t.{quote(k)} = s.{quote(k)}" for k in keys)
        if delete_matched:
            statements = [f"delete from {relation} t using (select distinct * from "
                          f"(select {', '.join(quote(k) for k in keys)} from {src})) s where {on}",
                          f"insert into {relation} by name select * from {src}"]
        else:
            update = "update set *" if update_columns is None else (
                "update set " + ", ".join(f"{quote(c)} = s.{quote(c)}" for c in update_columns))
            matched = f"when matched then {update} " if update_columns != [] else ""
            statements = [f"merge into {relation} t using {src} s on ({on}) {matched}when not matched then insert by name"]
        try:
            self.engine.transaction(statements)
        finally:
            self._release(src)
        return Commit(version=None)

    def scan_sql(self, relation: Relation) -> str:
        return f"select * from {relation}"

    def history(self, relation: Relation, limit: int | None = None) -> list[dict[str, Any]]:
        return []

    def drop(self, relation: Relation) -> None:
        self.engine.drop(relation)
