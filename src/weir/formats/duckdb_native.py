"""Tables stored inside the DuckDB catalog file (``table_format: duckdb``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from weir.engines.duckdb import DuckDBEngine
from weir.formats.base import Commit, TableFormat
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

    def write(self, relation: Relation, data: pa.RecordBatchReader | str,   # type: ignore[override]
              *, mode: str, metadata: dict[str, str],
              partition_by: Sequence[str] | None = None, predicate: str | None = None,
              schema_mode: str | None = None) -> Commit:
        assert relation.schema
        self.engine.ensure_schema(relation.schema)
        src = self._in(data)
        try:
            self.engine.execute("begin")
            if mode == "overwrite" and predicate:
                self.engine.execute(f"delete from {relation} where {predicate}")
                self.engine.execute(f"insert into {relation} by name select * from {src}")
            elif mode == "overwrite" or not self.exists(relation):
                if self.engine.relation_type(relation.schema, relation.identifier) == "view":
                    self.engine.execute(f"drop view {relation}")
                self.engine.execute(f"create or replace table {relation} as select * from {src}")
            else:
                self.engine.execute(f"insert into {relation} by name select * from {src}")
            self.engine.execute("commit")
        except Exception:
            self.engine.execute("rollback")
            raise
        finally:
            self._release(src)
        return Commit(version=None)

    def merge(self, relation: Relation, data: pa.RecordBatchReader | str,   # type: ignore[override]
              *, keys: Sequence[str],
              metadata: dict[str, str], delete_matched: bool = False, merge_schema: bool = False,
              update_columns: Sequence[str] | None = None) -> Commit:
        src = self._in(data)
        on = " and ".join(f"t.{quote(k)} = s.{quote(k)}" for k in keys)
        try:
            self.engine.execute("begin")
            if delete_matched:
                self.engine.execute(f"delete from {relation} t using (select distinct * from "
                                    f"(select {', '.join(quote(k) for k in keys)} from {src})) s where {on}")
                self.engine.execute(f"insert into {relation} by name select * from {src}")
            else:
                update = "update set *" if update_columns is None else (
                    "update set " + ", ".join(f"{quote(c)} = s.{quote(c)}" for c in update_columns))
                matched = f"when matched then {update} " if update_columns != [] else ""
                self.engine.execute(
                    f"merge into {relation} t using {src} s on ({on}) {matched}when not matched then insert by name"
                )
            self.engine.execute("commit")
        except Exception:
            self.engine.execute("rollback")
            raise
        finally:
            self._release(src)
        return Commit(version=None)

    def scan_sql(self, relation: Relation) -> str:
        return f"select * from {relation}"

    def history(self, relation: Relation, limit: int | None = None) -> list[dict[str, Any]]:
        return []

    def drop(self, relation: Relation) -> None:
        self.engine.drop(relation)
