"""Ctrl-C during a Spark build: the running Spark job is cancelled, queued nodes never
start, nothing unfinished is committed, the run is recorded as cancelled, Spark stops."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from weir import Workspace
from weir.sql.relation import Relation

pytestmark = pytest.mark.integration

# a cross join of rows x rows: 1 row is instant, 200k rows (4e10 pairs) would run for hours
NUMBERS = '''def model(dbt, session):
    dbt.config(materialized="table")
    rows = int(dbt.config.get("rows", 1))
    pairs = session.range(0, rows).crossJoin(session.range(0, rows).withColumnRenamed("id", "id2"))
    return pairs.selectExpr("count(*) as n")
'''


def _project(root: Path, rows: int) -> Path:
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text("name: intr\nprofile: intr\nconfig-version: 2\n")
    (root / "weir.yml").write_text(yaml.safe_dump({"targets": {
        "spark": {"type": "spark", "master": "local[2]", "warehouse": "lake", "threads": 1},
        "duck": {"type": "duckdb", "warehouse": "lake"}}}))
    (root / "models" / "numbers.py").write_text(NUMBERS)
    (root / "models" / "doubled.sql").write_text("{{ config(materialized='table') }} select n * 2 as n2 from {{ ref('numbers') }}")
    (root / "models" / "schema.yml").write_text(yaml.safe_dump(
        {"version": 2, "models": [{"name": "numbers", "config": {"rows": rows}}]}))
    return root


def _children(pid: int) -> list[int]:
    """Descendant process ids (Linux /proc)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        for child in (task / "children").read_text().split():
            out += [int(child), *_children(int(child))]
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _is_java(pid: int) -> bool:
    try:
        return "java" in Path(f"/proc/{pid}/comm").read_text()
    except FileNotFoundError:
        return False


def _running_jobs(ui: str) -> list[dict]:
    """Running jobs, from the Spark UI's REST API."""
    try:
        with urllib.request.urlopen(f"{ui}/api/v1/applications", timeout=5) as resp:
            app = json.load(resp)[0]["id"]
        with urllib.request.urlopen(f"{ui}/api/v1/applications/{app}/jobs?status=running", timeout=5) as resp:
            return list(json.load(resp))
    except (OSError, IndexError, ValueError):
        return []


def _table(root: Path, name: str) -> list[dict]:
    with Workspace.load(root, target="duck") as ws:  # reads the Delta tables Spark wrote, from their log
        return ws.query(ws.formats["delta"].scan_sql(Relation(schema="main", identifier=name))).to_pylist()


def test_ctrl_c_cancels_the_spark_job_and_commits_nothing(tmp_path: Path, spark: Any) -> None:
    root = _project(tmp_path / "p", rows=1)
    # the versions that must survive, built on this worker's Spark (no second JVM start)
    with Workspace.load(root, target="spark") as ws:
        first = ws.build()
        assert first.success, [(r.name, r.message) for r in first.results]

    _project(root, rows=200_000)
    err = root / "stderr.txt"
    with err.open("w") as err_file:
        proc = subprocess.Popen([sys.executable, "-m", "weir", "build", "--target", "spark"], cwd=root,
                                stdout=subprocess.PIPE, stderr=err_file, text=True, env=dict(os.environ))
        deadline = time.monotonic() + 300
        while "UI: http" not in err.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, err.read_text()
            time.sleep(0.5)
        jvms = [p for p in _children(proc.pid) if _is_java(p)]
        assert jvms, "the classic session runs its JVM as a child process"
        ui = re.search(r"UI: (http://\S+)", err.read_text()).group(1)  # type: ignore[union-attr]
        while time.monotonic() < deadline:  # until a job runs for seconds: the cross join
            assert proc.poll() is None, err.read_text()
            before = {job["jobId"] for job in _running_jobs(ui)}
            time.sleep(3)
            if before & {job["jobId"] for job in _running_jobs(ui)}:
                break
        interrupted = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    took = time.monotonic() - interrupted
    stderr = err.read_text()

    assert proc.returncode == 130, out + stderr
    assert "Interrupted: running queries cancelled" in stderr, stderr
    assert "Traceback" not in stderr, stderr
    assert took < 90, f"the build took {took:.0f} s to stop"  # not hours: the job was cancelled
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in jvms) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(_alive(p) for p in jvms), "Spark's JVM still runs"
    # the previous versions are intact and nothing downstream ran
    assert _table(root, "numbers") == [{"n": 1}]
    assert _table(root, "doubled") == [{"n2": 2}]
    with sqlite3.connect(root / ".weir" / "ledger.db") as db:
        status = db.execute("select status from runs order by started_at desc limit 1").fetchone()[0]
    assert status == "cancelled"
