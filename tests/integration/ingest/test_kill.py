"""Kill ``weir ingest`` with SIGKILL at several points, rerun, and find the table equal to
the source: no duplicates, no gaps (the cursor is committed with each batch)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import pg_source, table_rows, write_project

pytestmark = pytest.mark.integration

ROWS = 30_000


def _commits(log: Path) -> int:
    return len(list(log.glob("*.json"))) if log.is_dir() else 0


def _ingest_cmd(root: Path) -> list[str]:
    return [sys.executable, "-m", "weir", "ingest", "--project-dir", str(root)]


def _run_and_kill(root: Path, after_commits: int, log: Path) -> None:
    """Start ``weir ingest`` and SIGKILL it once the table has ``after_commits`` more commits
    (0: kill while it connects and reads, before its first commit)."""
    start = _commits(log)
    proc = subprocess.Popen(_ingest_cmd(root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    began = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - began < 120:
            if after_commits == 0 and time.monotonic() - began > 1.5:
                break  # mid start-up / first read
            if after_commits and _commits(log) >= start + after_commits:
                break  # right after a batch commit, while the next batch is read
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.parametrize("mode", ["incremental", "merge"])
def test_killed_ingestion_reruns_without_duplicates_or_gaps(pg, tmp_path, mode):
    # 7 rows share each cursor value: ties straddle the 1000-row batches
    pg.execute("create table events (id int primary key, payload text, updated_at bigint not null)")
    pg.execute(f"insert into events select i, md5(i::text), i / 7 from generate_series(1, {ROWS}) i")
    table: dict[str, Any] = {"table": "public.events", "mode": mode, "cursor": "updated_at"}
    if mode == "merge":
        table["primary_key"] = ["id"]
    root = write_project(tmp_path, [pg_source(pg.facts, [{"name": "events", "ingest": table}], batch_size=1000)])
    log = root / "lakehouse" / "raw" / "events" / "_delta_log"

    for kill_after in (0, 1, 3, 7):
        _run_and_kill(root, kill_after, log)
        if kill_after == 3:  # the source moves on while the ingestion is down
            pg.execute(f"insert into events select i, 'late', {ROWS} from generate_series({ROWS + 1}, {ROWS + 500}) i")
            if mode == "merge":
                pg.execute(f"update events set payload = 'changed', updated_at = {ROWS + 1} where id <= 50")
    done = subprocess.run(_ingest_cmd(root), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr

    source = pg.execute("select id, payload, updated_at from events order by id").fetchall()
    loaded = table_rows(root, "raw", "events", order_by="id")
    assert len(loaded) == len(source) == ROWS + 500
    assert loaded == source
    assert _commits(log) > 10  # many batch commits, so the kills landed between and inside them
