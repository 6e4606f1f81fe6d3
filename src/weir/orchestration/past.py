"""Airflow's ``depends_on_past`` and ``wait_for_downstream``.

A task with ``depends_on_past=True`` runs for logical date D only when its instance in the
pipeline's previous run (the run with the newest logical date before D, not before
``start_date``) ended ``success`` or ``skipped``; with ``wait_for_downstream=True`` the
previous instance's immediate downstream tasks must have too. The first run is not blocked.

While the previous run is still running (a parallel backfill, another scheduler) the task
waits for it. Otherwise an unmet condition ends the task as ``blocked`` with a message naming
the previous run; its downstream tasks are blocked too and the run ends ``blocked``. Blocked
tasks are not done: the next execution of the run (the scheduler's next pass once the previous
run has succeeded, ``weir clear``, ``weir backfill``) checks them again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from weir.orchestration.schedule import from_iso, iso
from weir.state.pipelines import PipelineStore, RunRecord

PAST_OK = frozenset({"success", "skipped"})
#: task states that will not change in the previous run without someone rerunning it
PAST_FINAL_BAD = frozenset({"failed", "upstream_failed", "blocked"})
#: a running previous run whose heartbeat is older than this is not waited for
STALE_AFTER = 120.0
RECHECK_EVERY = 0.25  # seconds between checks while waiting for a running previous run


@dataclass(frozen=True)
class PastVerdict:
    """``run``, ``wait`` (the previous run is still running) or ``blocked`` (with the reason)."""

    action: str
    message: str | None = None
    #: the previous instance's state that blocks (``blocked`` means an earlier date is the cause)
    cause: str | None = None


RUN = PastVerdict("run")
WAIT = PastVerdict("wait")


def needs_past(task: Any) -> bool:
    return bool(getattr(task, "depends_on_past", False) or getattr(task, "wait_for_downstream", False))


def _states(rows: Iterable[Any]) -> dict[str, list[str | None]]:
    out: dict[str, list[str | None]] = {}
    for r in rows:
        out.setdefault(r.task_id, []).append(r.state)
    return out


def _worst(states: Sequence[str | None]) -> str | None:
    """The state that keeps the condition from holding (None when every state is fine)."""
    for s in states:
        if s in PAST_FINAL_BAD:
            return s
    for s in states:
        if s not in PAST_OK:
            return s or "none"
    return None


def decide_past(task_id: str, downstream_ids: Iterable[str], wait_for_downstream: bool, prev: RunRecord | None,
                prev_states: Mapping[str, Sequence[str | None]], *, now: float, describe: str = "") -> PastVerdict:
    """The rule itself, on the previous run and its task states (``describe`` names that run)."""
    if prev is None:
        return RUN  # the first run of the pipeline (since start_date)
    running = prev.state == "running"
    if running and prev.heartbeat is not None and now - prev.heartbeat > STALE_AFTER:
        return PastVerdict("blocked", f"depends_on_past: the previous run {describe} is marked running but its "
                                      f"process stopped heartbeating {now - prev.heartbeat:.0f}s ago; "
                                      "`weir scheduler` adopts and finishes it")
    if prev.state == "queued":
        return PastVerdict("blocked", f"depends_on_past: the previous run {describe} is queued and has not run; "
                                      "run it first")
    checks = [(task_id, "")]
    if wait_for_downstream:
        checks += [(d, f" (downstream of {task_id}, wait_for_downstream)") for d in sorted(downstream_ids)]
    waiting = False
    for tid, why in checks:
        states = prev_states.get(tid)
        if not states:
            if running:
                waiting = True
            continue  # a finished run without this task: it did not exist yet (its first instance)
        bad = _worst(states)
        if bad is None:
            continue
        if running and bad not in PAST_FINAL_BAD:
            waiting = True
            continue
        return PastVerdict("blocked", f"depends_on_past: {tid}{why} is {bad} in the previous run {describe}", bad)
    return WAIT if waiting else RUN


class PastDeps:
    """Checks the past-dependent tasks of one run against the pipeline's previous run."""

    def __init__(self, pipeline: Any, run_id: str, logical_date: dt.datetime, store: PipelineStore) -> None:
        self.p, self.run_id, self.logical, self.store = pipeline, run_id, logical_date, store
        start = pipeline.schedule.start
        self._since = iso(start) if start is not None else None
        self._prev: RunRecord | None = None
        self._prev_states: dict[str, list[str | None]] = {}
        self._loaded_at: float | None = None

    def _load(self, now: float) -> None:
        final = self._loaded_at is not None and (self._prev is None or self._prev.state != "running")
        if final or (self._loaded_at is not None and now - self._loaded_at < RECHECK_EVERY):
            return
        prev = self.store.previous_run(self.p.pipeline_id, iso(self.logical), self._since)
        self._prev = prev
        self._prev_states = _states(self.store.task_instances(prev.run_id)) if prev is not None else {}
        self._loaded_at = now

    def _local(self, when: dt.datetime) -> str:
        return when.astimezone(self.p.schedule.tz).isoformat(timespec="seconds")

    def describe(self, prev: RunRecord) -> str:
        return f"{self._local(from_iso(prev.logical_date))} ({prev.run_id}, {prev.state})"

    def check(self, task: Any, now: float | None = None) -> PastVerdict:
        now = time.time() if now is None else now
        self._load(now)
        prev = self._prev
        verdict = decide_past(task.task_id, task.downstream_ids, bool(getattr(task, "wait_for_downstream", False)),
                              prev, self._prev_states, now=now, describe=self.describe(prev) if prev else "")
        if verdict.action != "blocked" or prev is None:
            return verdict
        pid, mine = self.p.pipeline_id, self._local(self.logical)
        if verdict.cause is None:  # queued or not heartbeating: the message says what to do
            return verdict
        todo = (f"Fix the earliest failed date first (`weir pipelines runs {pid}`)" if verdict.cause == "blocked"
                else f"Rerun that date (`weir clear {pid} --date {self._local(from_iso(prev.logical_date))} --failed`)")
        then = f"this run ({mine}) then continues at the scheduler's next pass or with " \
               f"`weir clear {pid} --date {mine} --failed`"
        return PastVerdict("blocked", f"{verdict.message}. {todo}; {then}", verdict.cause)


def unblocked(pipeline: Any, rec: RunRecord, store: PipelineStore) -> bool:
    """Whether a blocked run has a past-dependent task that may run now (the scheduler reruns it then)."""
    past = PastDeps(pipeline, rec.run_id, from_iso(rec.logical_date), store)
    for ti in store.task_instances(rec.run_id):
        task = pipeline.tasks.get(ti.task_id)
        own = ti.state == "blocked" and (ti.error or "").startswith("depends_on_past")  # not an upstream's block
        if own and task is not None and needs_past(task) and past.check(task).action == "run":
            return True
    return False
