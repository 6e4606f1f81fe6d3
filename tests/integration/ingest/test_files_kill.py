"""SIGKILL ``weir ingest`` of a files source at several points, rerun, and find every file's
rows in the table exactly once (the loaded files and the position inside a big file are
committed with the data)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import table_rows, write_project

pytestmark = pytest.mark.integration

FILES, ROWS = 12, 4_000  # batch_size 1500: big files are cut over several commits


def _commits(log: Path) -> int:
    return len(list(log.glob("*.json"))) if log.is_dir() else 0


def _run_and_kill(root: Path, after_commits: int, log: Path) -> None:
    start = _commits(log)
    proc = subprocess.Popen([sys.executable, "-m", "weir", "ingest", "--project-dir", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    began = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - began < 120:
            if after_commits == 0 and time.monotonic() - began > 1.5:
                break
            if after_commits and _commits(log) >= start + after_commits:
                break
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def test_killed_files_ingestion_loads_every_file_exactly_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    expected = []
    for f in range(FILES):
        lines = ["id,file,payload"]
        for i in range(ROWS):
            lines.append(f"{f * ROWS + i},{f},p{i}" if i % 997 else f"{f * ROWS + i},broken")  # some bad lines
            if i % 997:
                expected.append(f * ROWS + i)
        (data / f"f{f:02d}.csv").write_text("\n".join(lines) + "\n")
    source = {"name": "landing", "schema": "raw", "tables": [{"name": "events"}],
              "ingest": {"type": "files", "path": "data/*.csv", "batch_size": 1500}}
    root = write_project(tmp_path, [source])
    log = root / "lakehouse" / "raw" / "events" / "_delta_log"

    for kill_after in (0, 1, 3, 5, 8):
        _run_and_kill(root, kill_after, log)
    done = subprocess.run([sys.executable, "-m", "weir", "ingest", "--project-dir", str(root)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr

    ids = [r[0] for r in table_rows(root, "raw", "events")]
    assert ids == expected  # every good row once: no duplicates, no gaps
    bad = table_rows(root, "raw", "events__quarantine")
    assert len(bad) == FILES * ROWS - len(expected)  # every malformed line quarantined once
    rerun = subprocess.run([sys.executable, "-m", "weir", "ingest", "--project-dir", str(root)],
                           capture_output=True, text=True)
    assert rerun.returncode == 0 and "wrote 0" in rerun.stdout
