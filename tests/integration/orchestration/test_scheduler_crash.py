"""The scheduler daemon killed with SIGKILL mid-run and restarted: every interval runs exactly once,
none is skipped, and the orphaned task is retried. Two schedulers on one ledger split the work."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PIPELINE = textwrap.dedent("""
    import datetime as dt
    import time
    from pathlib import Path

    from weir.orchestration import Pipeline, PythonTask

    OUT = Path(__file__).resolve().parent.parent / "marks"
    TODAY = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    def mark(name, ds, pause=0.0):
        with open(OUT / f"{name}.txt", "a") as f:
            f.write(f"start {ds}\\n")
        time.sleep(pause)
        with open(OUT / f"{name}.txt", "a") as f:
            f.write(f"done {ds}\\n")

    with Pipeline("crashy", schedule="@daily", start_date=TODAY - dt.timedelta(days=4), catchup=True,
                  default_args={"retries": 2, "retry_delay": 0}) as p:
        first = PythonTask("first", python_callable=mark, op_args=["first", "{{ ds }}"])
        slow = PythonTask("slow", python_callable=mark, op_args=["slow", "{{ ds }}", 1.0])
        last = PythonTask("last", python_callable=mark, op_args=["last", "{{ ds }}"])
        first >> slow >> last
""")


def _project(root: Path) -> Path:
    (root / "pipelines").mkdir(parents=True)
    (root / "marks").mkdir()
    (root / "dbt_project.yml").write_text("name: crashy\nversion: '1.0'\nconfig-version: 2\n")
    (root / "pipelines" / "crashy.py").write_text(PIPELINE)
    return root


def _scheduler(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "weir", "scheduler", "--once", "--interval", "0.2",
                             "--heartbeat", "0.2", "--project-dir", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _lines(root: Path, name: str) -> list[str]:
    f = root / "marks" / f"{name}.txt"
    return f.read_text().splitlines() if f.exists() else []


def _runs(root: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(root / ".weir" / "ledger.db")
    try:
        return con.execute("select logical_date, state from pipeline_runs where pipeline_id = 'crashy' "
                           "order by logical_date").fetchall()
    finally:
        con.close()


def _check_exactly_once(root: Path) -> None:
    runs = _runs(root)
    assert len(runs) == 4 and {s for _, s in runs} == {"success"}, runs
    days = sorted(d[:10] for d, _ in runs)
    assert len(set(days)) == 4
    # the last task of every interval finished exactly once, and in interval order
    done_last = [x.split()[1] for x in _lines(root, "last") if x.startswith("done")]
    assert done_last == days
    assert [x.split()[1] for x in _lines(root, "first") if x.startswith("done")] == days


def test_sigkill_and_restart_runs_every_interval_exactly_once(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    proc = _scheduler(root)
    deadline = time.time() + 60
    # kill while the second interval's slow task is running
    while time.time() < deadline and len([x for x in _lines(root, "slow") if x.startswith("start")]) < 2:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()[0].decode()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_mid = _lines(root, "slow")
    assert killed_mid[-1].startswith("start"), killed_mid  # it died inside the task
    state_after_kill = dict(_runs(root))
    assert "running" in state_after_kill.values()

    restart = _scheduler(root)
    out, _ = restart.communicate(timeout=120)
    assert restart.returncode == 0, out.decode()
    assert "adopted orphaned run" in out.decode()
    _check_exactly_once(root)
    # the slow task of the interrupted interval started twice (the orphaned try and its retry)
    starts = [x.split()[1] for x in _lines(root, "slow") if x.startswith("start")]
    assert len(starts) == 5 and len(set(starts)) == 4

    con = sqlite3.connect(root / ".weir" / "ledger.db")
    tries = con.execute("select t.try_number from task_instances t join pipeline_runs r using (run_id) "
                        "where t.task_id = 'slow' order by r.logical_date").fetchall()
    con.close()
    assert sorted(t for (t,) in tries) == [1, 1, 1, 2]


def test_two_schedulers_on_one_ledger_never_run_an_interval_twice(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    a, b = _scheduler(root), _scheduler(root)
    out_a, _ = a.communicate(timeout=120)
    out_b, _ = b.communicate(timeout=120)
    assert a.returncode == 0 and b.returncode == 0, (out_a + out_b).decode()
    _check_exactly_once(root)
    assert len([x for x in _lines(root, "slow") if x.startswith("start")]) == 4
