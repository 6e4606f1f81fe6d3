"""The run ledger: runs, node results and table versions written.

A SQLite file in the project by default. The SQL is plain (no SQLite-only syntax
beyond the connection) so a PostgreSQL store can implement the same class.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weir.errors import StateError

# Each entry migrates the ledger from version i to i+1; never edit a released one.
MIGRATIONS: tuple[str, ...] = (
    """
    create table runs (
        run_id text primary key,
        command text not null,
        project text not null,
        target text not null,
        status text not null,
        started_at real not null,
        finished_at real,
        args text
    );
    create table node_results (
        run_id text not null references runs(run_id),
        unique_id text not null,
        name text not null,
        resource_type text not null,
        status text not null,
        rows_affected integer,
        duration_s real,
        message text,
        compiled_path text,
        started_at real,
        finished_at real,
        primary key (run_id, unique_id)
    );
    create table table_versions (
        run_id text not null,
        unique_id text not null,
        relation text not null,
        format text not null,
        version integer,
        operation text,
        model_version text,
        written_at real not null
    );
    create index node_results_by_node on node_results(unique_id);
    create index table_versions_by_node on table_versions(unique_id);
    """,
)


@dataclass(frozen=True)
class RunRow:
    run_id: str
    command: str
    status: str
    started_at: float
    finished_at: float | None
    nodes: int
    errors: int


class Ledger:
    """Thread-safe access to the ledger database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise StateError(f"cannot open run ledger {path}: {exc}") from None
        self._db.execute("pragma journal_mode=wal")
        self._lock = threading.Lock()
        self._migrate()

    def _migrate(self) -> None:
        with self._lock:
            self._db.execute("create table if not exists schema_version (version integer not null)")
            row = self._db.execute("select max(version) from schema_version").fetchone()
            current = row[0] or 0
            for i, script in enumerate(MIGRATIONS[current:], start=current + 1):
                self._db.executescript(f"begin; {script}; insert into schema_version values ({i}); commit;")

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StateError(f"run ledger error: {exc}") from None

    def start_run(self, run_id: str, command: str, project: str, target: str, args: dict[str, Any]) -> None:
        self._exec("insert into runs values (?, ?, ?, ?, 'running', ?, null, ?)",
                   (run_id, command, project, target, time.time(), json.dumps(args, default=str)))

    def finish_run(self, run_id: str, status: str) -> None:
        self._exec("update runs set status = ?, finished_at = ? where run_id = ?", (status, time.time(), run_id))

    def flush(self, node_rows: list[tuple[Any, ...]], version_rows: list[tuple[Any, ...]]) -> None:
        """Write a run's node results and table versions in one transaction."""
        with self._lock:
            try:
                self._db.execute("begin")
                self._db.executemany("insert or replace into node_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                     node_rows)
                self._db.executemany("insert into table_versions values (?, ?, ?, ?, ?, ?, ?, ?)", version_rows)
                self._db.execute("commit")
            except sqlite3.Error as exc:
                self._db.execute("rollback")
                raise StateError(f"run ledger error: {exc}") from None

    def runs(self, limit: int = 20) -> list[RunRow]:
        rows = self._exec(
            "select r.run_id, r.command, r.status, r.started_at, r.finished_at, count(n.unique_id), "
            "sum(case when n.status in ('error', 'fail') then 1 else 0 end) "
            "from runs r left join node_results n on n.run_id = r.run_id "
            "group by r.run_id order by r.started_at desc limit ?", (limit,))
        return [RunRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6] or 0) for r in rows]

    def node_results(self, run_id: str) -> list[dict[str, Any]]:
        cols = ["unique_id", "name", "resource_type", "status", "rows_affected", "duration_s", "message",
                "compiled_path"]
        rows = self._exec(f"select {', '.join(cols)} from node_results where run_id = ? order by started_at",
                          (run_id,))
        return [dict(zip(cols, r, strict=False)) for r in rows]

    def table_versions(self, run_id: str) -> list[dict[str, Any]]:
        cols = ["unique_id", "relation", "format", "version", "operation", "model_version"]
        rows = self._exec(f"select {', '.join(cols)} from table_versions where run_id = ?", (run_id,))
        return [dict(zip(cols, r, strict=False)) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
