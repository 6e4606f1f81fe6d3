"""depends_on_past through the CLI and the project's ledger: a parallel backfill runs a
past-dependent task date after date, a failed date blocks the later ones (with the message in
the output and the ledger), and after the failed date is rerun the scheduler runs the blocked ones."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PIPELINE = textwrap.dedent("""
    import datetime as dt
    import time
    from pathlib import Path

    from weir.orchestration import Pipeline, PythonTask

    ROOT = Path(__file__).resolve().parent.parent

    def mark(name, ds, pause=0.0):
        with open(ROOT / "marks" / f"{name}.txt", "a") as f:
            f.write(f"start {ds}\\n")
        time.sleep(pause)
        if (ROOT / "fail" / f"{name}-{ds}").exists():
            raise RuntimeError(f"no source file for {ds}")
        with open(ROOT / "marks" / f"{name}.txt", "a") as f:
            f.write(f"done {ds}\\n")

    with Pipeline("daily", schedule="@daily", start_date=dt.datetime(2024, 1, 1), end_date=dt.datetime(2024, 1, 4),
                  catchup=True, max_active_runs=4) as p:
        load = PythonTask("load", python_callable=mark, op_args=["load", "{{ ds }}", 0.3], depends_on_past=True)
        report = PythonTask("report", python_callable=mark, op_args=["report", "{{ ds }}"])
        ping = PythonTask("ping", python_callable=mark, op_args=["ping", "{{ ds }}"])
        load >> report
""")
DAYS = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    for d in ("pipelines", "marks", "fail"):
        (root / d).mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: past\nversion: '1.0'\nconfig-version: 2\n")
    (root / "pipelines" / "daily.py").write_text(PIPELINE)
    return root


def weir(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "weir", *args, "--project-dir", str(root)],
                          capture_output=True, text=True, timeout=300)


def marks(root: Path, name: str) -> list[str]:
    f = root / "marks" / f"{name}.txt"
    return f.read_text().splitlines() if f.exists() else []


def ledger(root: Path, sql: str) -> list[tuple[str, ...]]:
    con = sqlite3.connect(root / ".weir" / "ledger.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_parallel_backfill_runs_a_past_dependent_task_in_date_order(project: Path) -> None:
    out = weir(project, "backfill", "daily", "--start", DAYS[0], "--end", DAYS[-1], "--max-parallel", "4")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 interval(s) run, 0 failed" in out.stdout
    # each date's load starts only after the previous date's load is done
    assert marks(project, "load") == [f"{what} {d}" for d in DAYS for what in ("start", "done")]
    assert sorted(marks(project, "ping")) == sorted(f"{what} {d}" for d in DAYS for what in ("start", "done"))


def test_failed_date_blocks_later_dates_until_it_is_rerun(project: Path) -> None:
    (project / "fail" / f"load-{DAYS[1]}").touch()
    out = weir(project, "backfill", "daily", "--start", DAYS[0], "--end", DAYS[-1], "--max-parallel", "2")
    assert out.returncode == 1
    assert "4 interval(s) run, 1 failed, 2 blocked" in out.stdout
    assert "2024-01-03T00:00:00 blocked" in out.stdout and "2024-01-04T00:00:00 blocked" in out.stdout
    assert ("blocked            load: depends_on_past: load is failed in the previous run "
            "2024-01-02T00:00:00+00:00 (backfill__2024-01-02T00:00:00__") in out.stdout
    assert "weir clear daily --date 2024-01-02T00:00:00+00:00 --failed" in out.stdout
    assert "or with `weir clear daily --date 2024-01-03T00:00:00+00:00 --failed`" in out.stdout
    assert "blocked            report: upstream load is blocked" in out.stdout
    assert [m for m in marks(project, "load") if m.startswith("start")] == ["start 2024-01-01", "start 2024-01-02"]
    assert len([m for m in marks(project, "ping") if m.startswith("done")]) == 4  # not past-dependent
    again = weir(project, "trigger", "daily", "--date", DAYS[2])
    assert again.returncode != 0
    assert "already has a run for 2024-01-03T00:00:00+00:00 (blocked)" in again.stdout + again.stderr
    assert "weir clear daily --date 2024-01-03T00:00:00+00:00 --failed" in again.stdout + again.stderr

    runs = weir(project, "pipelines", "runs", "daily")
    assert runs.returncode == 0, runs.stderr
    lines = {line.split()[1][:10]: line for line in runs.stdout.splitlines()}
    assert " blocked " in lines["2024-01-03"] and "blocked=2" in lines["2024-01-03"] and "success=1" in lines["2024-01-03"]
    assert " failed " in lines["2024-01-02"]
    stored = ledger(project, "select r.logical_date, t.task_id, t.state, t.error from task_instances t "
                             "join pipeline_runs r using (run_id) where t.state = 'blocked' order by 1, 2")
    assert [(d[:10], t, s) for d, t, s, _ in stored] == [
        ("2024-01-03", "load", "blocked"), ("2024-01-03", "report", "blocked"),
        ("2024-01-04", "load", "blocked"), ("2024-01-04", "report", "blocked")]
    assert "load is blocked in the previous run 2024-01-03T00:00:00+00:00" in stored[2][3]
    assert "Fix the earliest failed date first (`weir pipelines runs daily`)" in stored[2][3]

    # nothing is unblocked yet: the scheduler leaves the blocked runs alone
    idle = weir(project, "scheduler", "--once", "--interval", "0.2")
    assert idle.returncode == 0, idle.stdout + idle.stderr
    assert ledger(project, "select count(*) from pipeline_runs where state = 'blocked'") == [(2,)]

    # the source for day 2 arrives and day 2 is rerun; day 3 is rerun by hand, the scheduler runs day 4
    (project / "fail" / f"load-{DAYS[1]}").unlink()
    cleared = weir(project, "clear", "daily", "--date", DAYS[1], "--failed")
    assert cleared.returncode == 0, cleared.stdout + cleared.stderr
    day3 = weir(project, "clear", "daily", "--date", "2024-01-03T00:00:00+00:00", "--failed")
    assert day3.returncode == 0, day3.stdout + day3.stderr
    assert "success            load" in day3.stdout and "daily 2024-01-03T00:00:00+00:00 success" in day3.stdout
    sched = weir(project, "scheduler", "--once", "--interval", "0.2")
    assert sched.returncode == 0, sched.stdout + sched.stderr
    assert "daily 2024-01-04T00:00:00 success" in sched.stdout
    assert ledger(project, "select substr(logical_date, 1, 10), state from pipeline_runs order by 1") == \
        [(d, "success") for d in DAYS]
    done = [m.split()[1] for m in marks(project, "load") if m.startswith("done")]
    assert done == DAYS
    assert len([m for m in marks(project, "ping") if m.startswith("done")]) == 4  # succeeded once, kept
    assert ledger(project, "select count(*) from task_instances where state = 'blocked'") == [(0,)]
