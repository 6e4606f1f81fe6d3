"""DuckDB, the embedded default engine: a catalog file holding views, pointers to
lakehouse tables and DuckDB-native tables; an in-memory staging database."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from weir.engines.base import Engine
from weir.errors import EngineError
from weir.sql.relation import ColumnInfo, Relation, literal, quote

if TYPE_CHECKING:  # pyarrow is heavy to import; these modules only name its types
    import pyarrow as pa

STAGE_DB = "weir_stage"
CATALOG_DB = "weir_catalog"

# DuckDB types Delta/Iceberg cannot hold, and what they become on export.
_EXPORT_CASTS = {
    "UTINYINT": "SMALLINT",
    "USMALLINT": "INTEGER",
    "UINTEGER": "BIGINT",
    "UBIGINT": "DECIMAL(20,0)",
    "HUGEINT": "DECIMAL(38,0)",
    "UHUGEINT": "DECIMAL(38,0)",
    "TIME": "VARCHAR",
    "TIME WITH TIME ZONE": "VARCHAR",
    "INTERVAL": "VARCHAR",
    "UUID": "VARCHAR",
    '"NULL"': "INTEGER",
    "NULL": "INTEGER",
    "JSON": "VARCHAR",
    "BIT": "VARCHAR",
    "TIMESTAMP_NS": "TIMESTAMP",
    "TIMESTAMP_MS": "TIMESTAMP",
    "TIMESTAMP_S": "TIMESTAMP",
    "VARINT": "VARCHAR",
    "BIGNUM": "VARCHAR",
}


#: how long opening the catalog waits for another process's lock on it
LOCK_WAIT_S = 10.0


class DuckDBEngine(Engine):
    name = "duckdb"
    dialect = "duckdb"
    supports_views = True
    supports_merge = True
    supports_transactions = True

    def __init__(self, path: Path | None, *, threads: int = 4, search_path: Path | None = None,
                 memory_limit: str | None = None) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(":memory:")
        if path is not None:
            # attached under a fixed name, so a schema named like the file (target `ci`,
            # schema `ci`) is never ambiguous
            self._attach_catalog(path)
            self._con.execute(f"USE {CATALOG_DB}")
        self._con.execute(f"SET threads = {max(1, threads)}")
        if search_path is not None:
            self._con.execute(f"SET file_search_path = '{str(search_path).replace(chr(39), chr(39) * 2)}'")
        if memory_limit:
            self._con.execute(f"SET memory_limit = '{memory_limit}'")
        self._con.execute(f"ATTACH ':memory:' AS {STAGE_DB}")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._stage_seq = 0
        self._schemas: set[str] = set()

    def _attach_catalog(self, path: Path) -> None:
        """Attach the catalog file; while another process holds its lock (a short step such
        as a stream worker registering its tables), retry for up to LOCK_WAIT_S seconds."""
        deadline = time.monotonic() + LOCK_WAIT_S
        delay = 0.05
        while True:
            try:
                self._con.execute(f"ATTACH {literal(str(path))} AS {CATALOG_DB}")
                return
            except duckdb.Error as exc:
                if "lock" not in str(exc).lower() or time.monotonic() + delay > deadline:
                    raise EngineError(f"cannot open DuckDB catalog {path}: {exc}",
                                      hint="another weir process holds it open; wait for it or stop it") from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    # -- connections -----------------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._con.cursor()
            if self.path is not None:
                cur.execute(f"USE {CATALOG_DB}")
            self._local.cur = cur
            with self._lock:
                self._cursors.append(cur)
        return cur

    def _run(self, sql: str) -> duckdb.DuckDBPyRelation | None:
        try:
            return self.con.sql(sql)
        except duckdb.Error as exc:
            raise EngineError(_first_line(exc)) from None

    def execute(self, sql: str) -> None:
        try:
            self.con.execute(sql)
        except duckdb.Error as exc:
            raise EngineError(_first_line(exc)) from None

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        try:
            rel = self.con.sql(sql)
            if rel is None:
                return [], []
            return list(rel.columns), rel.fetchall()
        except duckdb.Error as exc:
            raise EngineError(_first_line(exc)) from None

    def reader(self, sql: str, batch_rows: int = 1_000_000) -> pa.RecordBatchReader:
        rel = self._run(sql)
        if rel is None:
            raise EngineError("statement returned no rows to read")
        return rel.to_arrow_reader(batch_rows)

    def arrow(self, sql: str) -> pa.Table:
        rel = self._run(sql)
        if rel is None:
            raise EngineError("statement returned no rows to read")
        return rel.to_arrow_table()

    def columns(self, relation: Relation | str) -> list[ColumnInfo]:
        sql = f"select * from {relation}" if isinstance(relation, Relation) else str(relation)
        try:  # execute() (unlike sql()) puts DuckDB's "LINE n" in binder errors
            rows = self.con.execute(f"describe {sql}").fetchall()
        except duckdb.Error as exc:
            raise EngineError(_first_line(exc)) from None
        return [ColumnInfo(r[0], str(r[1])) for r in rows]

    def relation_type(self, schema: str, identifier: str) -> str | None:
        _, rows = self.fetch(
            "select table_type from information_schema.tables "
            f"where lower(table_schema) = lower({literal(schema)}) and lower(table_name) = lower({literal(identifier)}) "
            f"and table_catalog = current_database()"
        )
        if not rows:
            return None
        return "view" if rows[0][0] == "VIEW" else "table"

    def list_relations(self) -> list[tuple[str, str, str]]:
        _, rows = self.fetch(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_catalog = current_database() and table_schema not like 'weir\\_%' escape '\\'"
        )
        return [(s, n, "view" if t == "VIEW" else "table") for s, n, t in rows]

    def ensure_schema(self, schema: str) -> None:
        if schema in self._schemas:
            return
        self.execute(f"create schema if not exists {quote(schema)}")
        with self._lock:
            self._schemas.add(schema)

    def create_view(self, relation: Relation, sql: str, *, also: str | None = None) -> None:
        """Create or replace a view (replacing a table of that name too), and run ``also``
        in the same transaction: a broken view leaves the old relation in place."""
        assert relation.schema is not None
        self.ensure_schema(relation.schema)
        statements = [f"create or replace view {relation} as ({sql}\n)"]
        if also:
            statements.append(also)
        try:
            self.transaction(statements)
        except EngineError:
            if self.relation_type(relation.schema, relation.identifier) != "table":
                raise
            self.transaction([f"drop table {relation}", statements[0].replace("create or replace", "create", 1),
                               *statements[1:]])

    def transaction(self, statements: list[str]) -> None:
        """Run statements in one transaction: all take effect or none."""
        self.execute("begin")
        try:
            for stmt in statements:
                self.execute(stmt)
        except EngineError:
            self.execute("rollback")
            raise
        self.execute("commit")

    def export_query(self, sql: str) -> str:
        """``sql`` wrapped so that types the lakehouse formats cannot hold are cast."""
        casts = []
        for col in self.columns(sql):
            target = _EXPORT_CASTS.get(col.data_type.upper())
            if target is None and col.data_type.upper().startswith("ENUM"):
                target = "VARCHAR"
            casts.append(f"cast({col.quoted} as {target}) as {col.quoted}" if target else col.quoted)
        return f"select {', '.join(casts) or '*'} from ({sql}\n) as __weir_export"

    def drop(self, relation: Relation) -> None:
        if relation.schema is None:
            return
        kind = self.relation_type(relation.schema, relation.identifier)
        if kind:
            self.execute(f"drop {kind} if exists {relation} cascade")

    # -- staging ------------------------------------------------------------------------
    def _stage_relation(self, key: str) -> Relation:
        with self._lock:
            self._stage_seq += 1
            seq = self._stage_seq
        safe = "".join(c if c.isalnum() else "_" for c in key)[:60]
        return Relation(schema="main", identifier=f"{safe}__{seq}", database=STAGE_DB, include_database=True,
                        type="table")

    def stage(self, key: str, sql: str) -> Relation:
        rel = self._stage_relation(key)
        self.execute(f"create table {rel} as ({sql}\n)")  # same line: DuckDB's LINE n matches the file
        return rel

    def stage_arrow(self, key: str, data: pa.Table | pa.RecordBatchReader) -> Relation:
        rel = self._stage_relation(key)
        self.con.register("__weir_arrow_in", data)
        try:
            self.execute(f"create table {rel} as select * from __weir_arrow_in")
        finally:
            self.con.unregister("__weir_arrow_in")
        return rel

    def unstage(self, relation: Relation) -> None:
        self.execute(f"drop table if exists {relation}")

    def export_sql(self, relation: Relation) -> str:
        return self.export_query(f"select * from {relation}")

    def cancel(self) -> None:
        with self._lock:
            cursors = list(self._cursors)
        for cur in cursors:
            try:
                cur.interrupt()
            except duckdb.Error:  # a closed cursor runs nothing
                pass

    def close(self) -> None:
        try:
            self._con.close()
        except duckdb.Error:
            pass



def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text
