"""Several processes opening a new ledger at once: each migration runs exactly once."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from weir.state.ledger import MIGRATIONS, Ledger


def _open(path: str) -> None:
    Ledger(Path(path))


def test_processes_opening_a_new_ledger_at_once_migrate_it_once(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for round_ in range(5):
        path = tmp_path / f"r{round_}" / "ledger.db"
        procs = [ctx.Process(target=_open, args=(str(path),)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0, 0, 0, 0]  # "duplicate column name" before
        with sqlite3.connect(path) as db:
            versions = [v for (v,) in db.execute("select version from schema_version order by version")]
        assert versions == list(range(1, len(MIGRATIONS) + 1))
