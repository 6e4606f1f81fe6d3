"""Migration 6: table versions carry write metrics; writers that pass the old 8 columns still work."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from weir.state.ledger import MIGRATIONS, Ledger


def test_old_and_new_version_rows_flush(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    ledger.flush([], [("r1", "model.p.a", '"main"."a"', "delta", 0, "WRITE", "v", 1.0),
                      ("r1", "model.p.b", '"main"."b"', "delta", 4, "MERGE", "v", 2.0, 10, 8, 1, 2048, 2)])
    rows = ledger._exec("select unique_id, version, rows_in, rows_written, rows_deleted, bytes_written, files_added "
                        "from table_versions order by unique_id")
    assert rows == [("model.p.a", 0, None, None, None, None, None), ("model.p.b", 4, 10, 8, 1, 2048, 2)]
    assert ledger.table_versions("r1")[1]["version"] == 4


def test_a_ledger_of_version_5_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    db = sqlite3.connect(path)
    db.execute("create table schema_version (version integer not null)")
    for i, script in enumerate(MIGRATIONS[:5], start=1):
        db.executescript(f"{script}; insert into schema_version values ({i});")
    db.execute("insert into table_versions values ('r0', 'model.p.a', 'a', 'delta', 1, 'WRITE', 'v', 1.0)")
    db.commit()
    db.close()
    ledger = Ledger(path)
    assert ledger._exec("select max(version) from schema_version") == [(len(MIGRATIONS),)]
    assert ledger._exec("select run_id, version, bytes_written from table_versions") == [("r0", 1, None)]
