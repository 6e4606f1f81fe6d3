"""depends_on_past and wait_for_downstream: the rule on its own, then runs on a ledger file."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from weir.orchestration import Pipeline, PythonTask
from weir.orchestration.past import decide_past, unblocked
from weir.state.pipelines import PipelineStore, RunRecord

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PipelineStore]:
    s = PipelineStore.open(tmp_path / "ledger.db")
    yield s
    s.close()


def _rec(state: str, heartbeat: float | None = None) -> RunRecord:
    return RunRecord("scheduled__2024-01-01", "p", "2024-01-01T00:00:00.000000+00:00", "", "", "scheduled", state,
                     {}, None, heartbeat, 0.0, None, None)


# -- the rule --------------------------------------------------------------------------------------
def test_rule_first_run_and_finished_previous_runs() -> None:
    assert decide_past("load", [], False, None, {}, now=0).action == "run"
    assert decide_past("load", [], False, _rec("success"), {"load": ["success"]}, now=0).action == "run"
    assert decide_past("load", [], False, _rec("success"), {"load": ["skipped"]}, now=0).action == "run"
    failed = decide_past("load", [], False, _rec("failed"), {"load": ["failed"]}, now=0, describe="2024-01-01 (r1)")
    assert failed.action == "blocked"
    assert failed.message == "depends_on_past: load is failed in the previous run 2024-01-01 (r1)"
    assert decide_past("load", [], False, _rec("failed"), {"load": ["upstream_failed"]}, now=0).action == "blocked"
    assert decide_past("load", [], False, _rec("blocked"), {"load": ["blocked"]}, now=0).action == "blocked"
    # a mapped task: every instance counts
    assert decide_past("load", [], False, _rec("failed"), {"load": ["success", "failed"]}, now=0).action == "blocked"
    # a finished run without the task (the task is new): its first instance is not blocked
    assert decide_past("load", [], False, _rec("success"), {"other": ["success"]}, now=0).action == "run"


def test_rule_running_or_queued_previous_run() -> None:
    now = 1000.0
    running = _rec("running", heartbeat=now - 1)
    assert decide_past("load", [], False, running, {"load": ["running"]}, now=now).action == "wait"
    assert decide_past("load", [], False, running, {}, now=now).action == "wait"
    assert decide_past("load", [], False, running, {"load": ["up_for_retry"]}, now=now).action == "wait"
    assert decide_past("load", [], False, running, {"load": ["success"]}, now=now).action == "run"
    assert decide_past("load", [], False, running, {"load": ["failed"]}, now=now).action == "blocked"
    stale = decide_past("load", [], False, _rec("running", heartbeat=now - 600), {"load": ["running"]}, now=now)
    assert stale.action == "blocked" and "stopped heartbeating 600s ago" in (stale.message or "")
    queued = decide_past("load", [], False, _rec("queued"), {}, now=now)
    assert queued.action == "blocked" and "is queued and has not run" in (queued.message or "")


def test_rule_wait_for_downstream() -> None:
    prev = _rec("failed")
    ok = {"load": ["success"], "report": ["success"], "audit": ["skipped"]}
    assert decide_past("load", ["report", "audit"], True, prev, ok, now=0).action == "run"
    bad = decide_past("load", ["report", "audit"], True, prev, {**ok, "report": ["failed"]}, now=0)
    assert bad.action == "blocked"
    assert "report (downstream of load, wait_for_downstream) is failed" in (bad.message or "")
    # without wait_for_downstream only the task itself counts
    assert decide_past("load", ["report"], False, prev, {**ok, "report": ["failed"]}, now=0).action == "run"
    running = _rec("running", heartbeat=0)
    assert decide_past("load", ["report"], True, running, {"load": ["success"], "report": ["running"]},
                       now=0).action == "wait"


def test_wait_for_downstream_implies_depends_on_past_and_is_a_task_option() -> None:
    with Pipeline("p", default_args={"wait_for_downstream": True}) as p:
        a = PythonTask("a", python_callable=lambda: None)
        b = PythonTask("b", python_callable=lambda: None, wait_for_downstream=False)
    assert p.validate() == []
    assert (a.wait_for_downstream, a.depends_on_past) == (True, True)
    assert (b.wait_for_downstream, b.depends_on_past) == (False, False)


# -- runs on a ledger ------------------------------------------------------------------------------
def _daily(fail_on: set[str], calls: list[str], **load_args: Any) -> Pipeline:
    def load(ds: str) -> str:
        calls.append(f"load {ds}")
        if ds in fail_on:
            raise ValueError(f"source for {ds} is not there yet")
        return ds

    def report(ds: str) -> None:
        calls.append(f"report {ds}")
        if f"report {ds}" in fail_on:
            raise ValueError("report broke")

    with Pipeline("daily", schedule="@daily", start_date=START, catchup=True) as p:
        loaded = PythonTask("load", python_callable=load, **load_args)
        loaded >> PythonTask("report", python_callable=report)
        PythonTask("ping", python_callable=lambda ds: calls.append(f"ping {ds}"))
    return p


def test_blocked_when_the_previous_date_failed_then_unblocked_by_its_rerun(store: PipelineStore) -> None:
    calls: list[str] = []
    fail_on = {"2024-01-02"}
    p = _daily(fail_on, calls, depends_on_past=True)
    assert p.run("2024-01-01", store=store).state == "success"
    day2 = p.run("2024-01-02", store=store)
    assert day2.state == "failed"
    day3 = p.run("2024-01-03", store=store)
    assert day3.state == "blocked"
    assert day3.task_states == {"load": "blocked", "report": "blocked", "ping": "success"}
    assert "load 2024-01-03" not in calls and "report 2024-01-03" not in calls and "ping 2024-01-03" in calls
    msg = day3.errors["load"]
    assert msg.startswith("depends_on_past: load is failed in the previous run 2024-01-02T00:00:00+00:00 "
                          f"({day2.run_id}, failed)")
    assert "weir clear daily --date 2024-01-02T00:00:00+00:00 --failed" in msg
    assert day3.errors["report"] == "upstream load is blocked"
    # the ledger holds the same
    rows = {t.task_id: (t.state, t.error) for t in store.task_instances(day3.run_id)}
    assert rows["load"] == ("blocked", msg) and rows["report"][0] == "blocked"
    assert store.run_state("daily", "2024-01-03T00:00:00.000000+00:00") == "blocked"
    rec = store.run(day3.run_id)
    assert rec is not None and not unblocked(p, rec, store)

    # a later date is blocked by the blocked one
    day4 = p.run("2024-01-04", store=store)
    assert day4.state == "blocked" and "load is blocked in the previous run 2024-01-03" in day4.errors["load"]

    # rerun day 2 successfully: day 3 may run now, and running it again does
    fail_on.clear()
    store.clear_tasks(day2.run_id, ["failed", "upstream_failed"])
    assert p.run("2024-01-02", store=store).state == "success"
    assert unblocked(p, rec, store)
    again = p.run("2024-01-03", store=store)
    assert again.run_id == day3.run_id and again.state == "success"
    assert again.task_states == {"load": "success", "report": "success", "ping": "success"}
    assert calls.count("ping 2024-01-03") == 1  # what succeeded is kept
    assert {t.state for t in store.task_instances(day3.run_id)} == {"success"}
    assert p.run("2024-01-04", store=store).state == "success"


def test_first_run_and_first_run_since_start_date_are_not_blocked(store: PipelineStore) -> None:
    calls: list[str] = []
    p = _daily({"2023-12-31"}, calls, depends_on_past=True)
    # a run before start_date (by hand) failed: the first interval of the schedule does not look at it
    assert p.run("2023-12-31", store=store).state == "failed"
    assert p.run("2024-01-01", store=store).state == "success"
    # the first run of another pipeline on the ledger, on any date
    other = _daily(set(), calls, depends_on_past=True)
    other.pipeline_id = "other"
    assert other.run("2024-03-01", store=store).state == "success"


def test_without_depends_on_past_a_failed_previous_date_does_not_matter(store: PipelineStore) -> None:
    calls: list[str] = []
    p = _daily({"2024-01-01"}, calls)
    assert p.run("2024-01-01", store=store).state == "failed"
    assert p.run("2024-01-02", store=store).state == "success"


def test_wait_for_downstream_blocks_on_the_previous_downstream(store: PipelineStore) -> None:
    calls: list[str] = []
    p = _daily({"report 2024-01-01"}, calls, wait_for_downstream=True)
    first = p.run("2024-01-01", store=store)
    assert first.task_states["load"] == "success" and first.task_states["report"] == "failed"
    second = p.run("2024-01-02", store=store)
    assert second.state == "blocked"
    assert "report (downstream of load, wait_for_downstream) is failed" in second.errors["load"]
    assert "load 2024-01-02" not in calls


def test_a_task_waits_for_the_previous_run_still_running(store: PipelineStore) -> None:
    started, release = threading.Event(), threading.Event()
    order: list[str] = []

    def load(ds: str) -> None:
        if ds == "2024-01-01":
            started.set()
            release.wait(30)
        order.append(ds)

    with Pipeline("daily", schedule="@daily", start_date=START, default_args={"depends_on_past": True}) as p:
        PythonTask("load", python_callable=load)
    results: dict[str, str] = {}

    def run(ds: str) -> None:
        own = PipelineStore.open(store.ledger.path)  # another connection, as another process has
        try:
            results[ds] = p.run(ds, store=own).state
        finally:
            own.close()

    first = threading.Thread(target=run, args=("2024-01-01",))
    first.start()
    assert started.wait(30)
    second = threading.Thread(target=run, args=("2024-01-02",))
    second.start()
    while store.run_state("daily", "2024-01-02T00:00:00.000000+00:00") != "running":
        time.sleep(0.01)
    time.sleep(0.5)  # room for the second run to (wrongly) start its task
    release.set()
    first.join(30)
    second.join(30)
    assert results == {"2024-01-01": "success", "2024-01-02": "success"}
    assert order == ["2024-01-01", "2024-01-02"]
