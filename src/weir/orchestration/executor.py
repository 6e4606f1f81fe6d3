"""Runs one pipeline run: tasks in parallel as their upstreams finish, with retries, timeouts,
pools, sensors that release their slot while waiting, and batched ledger writes.

The loop owns all run state; workers only execute attempts and report an :class:`Outcome`.
Ready tasks are found in O(edges): each finished task decrements its downstreams' counters.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from weir.orchestration.alerting import RunAlerts
from weir.orchestration.attempt import MAX_LOG_CHARS, Outcome, install_capture, run_in_process, run_in_thread
from weir.orchestration.context import RunInfo, make_context
from weir.orchestration.operators import Sensor
from weir.orchestration.past import RECHECK_EVERY, PastDeps, needs_past
from weir.orchestration.pools import Pools
from weir.orchestration.taskflow import map_lengths
from weir.orchestration.tasks import Task
from weir.orchestration.templating import is_templated, render
from weir.orchestration.triggers import decide

log = logging.getLogger(__name__)
DONE = frozenset({"success", "failed", "upstream_failed", "skipped"})
# ended for this execution, not for the run: the next execution checks depends_on_past again
FINAL = DONE | {"blocked"}
TRANSIENT_RETRIES = 2  # extra tries for transient errors of a task with retries=0
TRANSIENT_DELAY = 1.0  # seconds before the first of them; doubles each time
FLUSH_EVERY = 0.05  # seconds between batched ledger writes
HEARTBEAT_EVERY = 2.0


@dataclass
class TI:
    """A task instance during a run (map_index -1 when the task is not mapped)."""

    task: Task
    map_index: int = -1
    state: str | None = None
    try_number: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = None
    sla_missed: bool = False
    first_poke: float | None = None
    map_kwargs: dict[str, Any] | None = None
    token: int = 0

    def row(self, run_id: str) -> tuple[Any, ...]:
        dur = self.finished_at - self.started_at if self.finished_at and self.started_at else None
        return (run_id, self.task.task_id, self.map_index, self.state, self.try_number, self.task.max_tries,
                self.started_at, self.finished_at, dur, self.error, int(self.sla_missed))


@dataclass
class Job:
    """What a worker needs for one attempt."""

    task: Task
    ctx: Any
    results_get: Callable[[str], Any]
    map_kwargs: dict[str, Any] | None
    in_child: bool = False


@dataclass
class Node:
    task: Task
    remaining: int
    state: str | None = None
    tis: list[TI] = field(default_factory=list)
    open_tis: int = 0


class RunExecutor:
    """Executes the tasks of one run that are not yet done; returns the run's final state."""

    def __init__(self, pipeline: Any, run: RunInfo, *, pools: Pools, owner: str | None = None,
                 existing: Sequence[Any] = (), results: dict[tuple[str, int], Any] | None = None,
                 alerts: RunAlerts | None = None, heartbeat: float = HEARTBEAT_EVERY) -> None:
        self.p, self.run, self.pools, self.owner = pipeline, run, pools, owner
        self.heartbeat = heartbeat
        self.durable = getattr(run.store, "durable", True)
        self.alerts = alerts
        self.store = run.store
        self.results: dict[str, Any] = {}
        self.nodes: dict[str, Node] = {}
        self.ready: deque[TI] = deque()
        self.waiting: list[tuple[float, int, TI]] = []
        self.blocked: list[TI] = []
        self.running: dict[int, tuple[TI, float | None]] = {}
        self.done_q: queue.SimpleQueue[tuple[int, Outcome]] = queue.SimpleQueue()
        self.seq = itertools.count(1)
        self.rows: dict[tuple[str, int], TI] = {}
        self.logs: list[tuple[Any, ...]] = []
        self.result_rows: list[tuple[str, str, int, Any]] = []
        self.last_flush = self.last_beat = time.time()
        self.unfinished = 0
        self.params = self._params()
        self.past = PastDeps(pipeline, run.run_id, run.logical_date, run.store) \
            if any(needs_past(t) for t in pipeline.tasks.values()) else None
        self.past_waiting: list[str] = []  # tasks waiting for the previous run to finish
        self.next_past_check = 0.0
        self._load(existing, results or {})

    # -- setup ------------------------------------------------------------------------------------
    def _params(self) -> dict[str, dict[str, Any]]:
        out = {}
        base = {**self.p.params}
        for tid, t in self.p.tasks.items():
            merged = {**base, **t.params, **{k: v for k, v in self.run.conf.items() if k in base or k in t.params}}
            if is_templated(merged):
                merged = render(merged, {**self.run.template_base(), "params": merged})
            out[tid] = merged
        return out

    def _load(self, existing: Sequence[Any], results: dict[tuple[str, int], Any]) -> None:
        by_task: dict[str, list[Any]] = {}
        for rec in existing:
            by_task.setdefault(rec.task_id, []).append(rec)
        self.prior = by_task
        for tid in self.p.topological():
            task = self.p.tasks[tid]
            self.nodes[tid] = Node(task, len(task.upstream_ids))
        for tid, node in self.nodes.items():
            recs = by_task.get(tid, [])
            single = [r for r in recs if r.map_index == -1]
            if single and single[0].state in DONE:
                node.state = single[0].state
                if (tid, -1) in results:
                    self.results[tid] = results[(tid, -1)]
            elif recs and node.task.expand_args is not None and all(r.state in DONE for r in recs) and recs:
                mapped = sorted((r for r in recs if r.map_index >= 0), key=lambda r: r.map_index)
                if mapped:
                    node.state = _aggregate([r.state for r in mapped])
                    self.results[tid] = [results.get((tid, r.map_index)) for r in mapped]
        self.stored_results = results
        for node in self.nodes.values():
            if node.state in DONE:
                for d in node.task.downstream_ids:
                    self.nodes[d].remaining -= 1
            else:
                self.unfinished += 1
        for tid in list(self.nodes):
            node = self.nodes[tid]
            if node.state is None and node.remaining == 0:
                self._evaluate(tid)

    # -- state changes ---------------------------------------------------------------------------
    def _record(self, ti: TI) -> None:
        self.rows[(ti.task.task_id, ti.map_index)] = ti

    def _evaluate(self, tid: str) -> None:
        """All upstreams of ``tid`` are done: run it, or end it by its trigger rule."""
        node = self.nodes[tid]
        states = [self.nodes[u].state for u in node.task.upstream_ids]
        verdict = decide(node.task.trigger_rule, states)
        if verdict != "run":
            self._finish_node(tid, verdict, f"trigger rule {node.task.trigger_rule}: upstream states "
                                            f"{sorted(set(s or '' for s in states))}")
            return
        if self.past is not None and needs_past(node.task):
            past = self.past.check(node.task)
            if past.action == "wait":
                self.past_waiting.append(tid)
                return
            if past.action == "blocked":
                self._finish_node(tid, "blocked", past.message)
                return
        self._start_node(tid)

    def _start_node(self, tid: str) -> None:
        """Create the node's task instances (one, or one per mapped element) and queue them."""
        node = self.nodes[tid]
        if node.task.expand_args is None:
            node.tis = [self._ti(node.task, -1)]
        else:
            try:
                combos = map_lengths(node.task.expand_args, self._result_of)
            except Exception as exc:  # a bad mapped value fails the task, not the run loop
                ti = self._ti(node.task, -1)
                ti.state, ti.error, ti.finished_at = "failed", str(exc), time.time()
                self._record(ti)
                self._finish_node(tid, "failed", str(exc))
                return
            if not combos:
                self._finish_node(tid, "skipped", "mapped over an empty list")
                return
            node.tis = [self._ti(node.task, i, kw) for i, kw in enumerate(combos)]
        pending = [ti for ti in node.tis if ti.state not in DONE]
        node.open_tis = len(pending)
        if not pending:
            self._close_node(tid)
        for ti in pending:
            ti.state = "queued"
            self._record(ti)
            self.ready.append(ti)

    def _ti(self, task: Task, map_index: int, map_kwargs: dict[str, Any] | None = None) -> TI:
        ti = TI(task, map_index, map_kwargs=map_kwargs)
        for rec in self.prior.get(task.task_id, ()):
            if rec.map_index == map_index:
                ti.try_number, ti.sla_missed = rec.try_number, rec.sla_missed
                if rec.state in ("success", "skipped"):
                    ti.state = rec.state
                    self.results.setdefault(f"{task.task_id}#{map_index}",
                                            self.stored_results.get((task.task_id, map_index)))
        return ti

    def _finish_node(self, tid: str, state: str, why: str | None = None) -> None:
        stack = [(tid, state, why)]
        while stack:
            t, st, msg = stack.pop()
            node = self.nodes[t]
            if node.state in FINAL:
                continue
            node.state = st
            self.unfinished -= 1
            if not node.tis:
                ti = TI(node.task, -1, state=st, error=msg if st != "success" else None, finished_at=time.time())
                self._record(ti)
            for d in node.task.downstream_ids:
                dn = self.nodes[d]
                dn.remaining -= 1
                if st == "blocked":  # whatever its trigger rule: a blocked upstream has not run
                    stack.append((d, "blocked", f"upstream {t} is blocked"))
                elif dn.remaining == 0 and dn.state is None:
                    verdict = decide(dn.task.trigger_rule, [self.nodes[u].state for u in dn.task.upstream_ids])
                    if verdict == "run":
                        self._evaluate(d)
                    else:
                        stack.append((d, verdict, f"trigger rule {dn.task.trigger_rule}"))

    def _close_node(self, tid: str) -> None:
        node = self.nodes[tid]
        state = _aggregate([ti.state for ti in node.tis])
        if state == "success" and node.task.expand_args is not None:
            self.results[tid] = [self.results.get(f"{tid}#{ti.map_index}") for ti in node.tis]
        elif state == "success":
            self.results[tid] = self.results.pop(f"{tid}#-1", None)
        self._finish_node(tid, state)

    def _result_of(self, task_id: str) -> Any:
        return self.results.get(task_id)

    # -- the loop ----------------------------------------------------------------------------------
    def execute(self) -> str:
        install_capture()
        workers = min(self.p.max_active_tasks, max(1, len(self.nodes))) + 2
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"weir-{self.p.pipeline_id}")
        self.abandoned = 0  # timed-out thread attempts still running: not waited for
        try:
            while self.unfinished > 0:
                self._dispatch()
                if self.unfinished == 0:
                    break
                if not (self.ready or self.running or self.waiting or self.blocked or self.past_waiting):
                    raise RuntimeError(f"pipeline {self.p.pipeline_id}: tasks left that can never run: "
                                       f"{[t for t, n in self.nodes.items() if n.state not in DONE]}")
                self._wait()
            self.flush(force=True)
        finally:
            self.pool.shutdown(wait=self.abandoned == 0, cancel_futures=True)
        states = {n.state for n in self.nodes.values()}
        if states & {"failed", "upstream_failed"}:
            return "failed"
        return "blocked" if "blocked" in states else "success"

    def _dispatch(self) -> None:
        if self.durable and self.ready and self.rows:
            # finished tasks are on record before anything downstream of them starts: after a
            # crash no task that completed reruns because a later one was already running
            self.flush(force=True)
        now = time.time()
        if self.past_waiting and now >= self.next_past_check:
            self._recheck_past(now)
        starting: list[TI] = []
        while self.waiting and self.waiting[0][0] <= now:
            self.ready.append(heapq.heappop(self.waiting)[2])
        if self.blocked:
            self.ready.extendleft(reversed(self.blocked))
            self.blocked = []
        while self.ready and len(self.running) < self.p.max_active_tasks:
            ti = self.ready.popleft()
            task = ti.task
            if task.pool is not None:
                got = self.pools.acquire(task.pool, task.pool_slots)
                if got is None:
                    self.blocked.append(ti)
                    continue
                if got is False:
                    ti.try_number += 1
                    self._outcome(ti, Outcome("failed", error=f"unknown pool {task.pool!r}: define it under "
                                                              "pools: in weir.yml"))
                    continue
            starting.append(ti)
            self._start(ti, now)
        if starting and self.durable:
            self.flush(force=True)  # 'running' is on record before the attempt can do anything
        for ti in starting:
            self._submit(ti, now)

    def _recheck_past(self, now: float) -> None:
        assert self.past is not None
        self.next_past_check = now + RECHECK_EVERY
        waiting, self.past_waiting = self.past_waiting, []
        for tid in waiting:
            past = self.past.check(self.nodes[tid].task, now)
            if past.action == "wait":
                self.past_waiting.append(tid)
            elif past.action == "blocked":
                self._finish_node(tid, "blocked", past.message)
            else:
                self._start_node(tid)

    def _start(self, ti: TI, now: float) -> None:
        task = ti.task
        if not (isinstance(task, Sensor) and ti.first_poke is not None):
            ti.try_number += 1
        if ti.first_poke is None and isinstance(task, Sensor):
            ti.first_poke = now
        ti.state, ti.started_at, ti.finished_at, ti.error = "running", now, None, None
        ti.token = next(self.seq)
        self._record(ti)
        timeout = task.execution_timeout
        self.running[ti.token] = (ti, now + timeout if timeout and task.executor == "thread" else None)

    def _submit(self, ti: TI, now: float) -> None:
        task = ti.task
        ctx = make_context(self.run, task, ti.map_index, ti.try_number, self.params[task.task_id],
                           self.results, None)
        job = Job(task, ctx, self._result_of, ti.map_kwargs)
        token, put = ti.token, self.done_q.put
        if task.executor == "process":
            timeout = task.execution_timeout
            self.pool.submit(lambda: put((token, run_in_process(job, timeout))))
        else:
            self.pool.submit(lambda: put((token, run_in_thread(job))))

    def _wait(self) -> None:
        now = time.time()
        wake = now + self.heartbeat
        if self.waiting:
            wake = min(wake, self.waiting[0][0])
        if self.blocked:
            wake = min(wake, now + 0.05)
        if self.past_waiting:
            wake = min(wake, self.next_past_check)
        if self.rows or self.logs:
            wake = min(wake, self.last_flush + FLUSH_EVERY)
        for _, deadline in self.running.values():
            if deadline is not None:
                wake = min(wake, deadline)
        if self.alerts is not None and self.alerts.sla_pending:
            wake = min(wake, now + 1.0)
        try:
            item = self.done_q.get(timeout=max(0.0, wake - now)) \
                if self.running or self.waiting or self.blocked or self.past_waiting \
                else self.done_q.get_nowait()
        except queue.Empty:
            item = None
        while item is not None:
            self._completed(*item)
            try:
                item = self.done_q.get_nowait()
            except queue.Empty:
                item = None
        now = time.time()
        for token, (ti, deadline) in list(self.running.items()):
            if deadline is not None and now >= deadline:
                self.abandoned += 1
                self._completed(token, Outcome("failed", error=f"TaskTimeout: {ti.task.task_id} ran past its "
                                               f"execution_timeout of {ti.task.execution_timeout:g}s; its result "
                                               "is discarded", timed_out=True))
        if self.alerts is not None and self.alerts.sla_pending:
            self.alerts.check_sla(self, now)
        self.flush()

    def _completed(self, token: int, out: Outcome) -> None:
        entry = self.running.pop(token, None)
        if entry is None:
            return  # a timed-out attempt finishing late: already failed
        ti = entry[0]
        if ti.task.pool is not None:
            self.pools.release(ti.task.pool, ti.task.pool_slots)
        self._outcome(ti, out)

    def _outcome(self, ti: TI, out: Outcome) -> None:
        task, now = ti.task, time.time()
        if out.status != "reschedule" or out.log:  # every attempt has a log row, even an empty one
            self.logs.append((self.run.run_id, task.task_id, ti.map_index, ti.try_number, out.log[-MAX_LOG_CHARS:]))
        if out.status == "reschedule":
            assert isinstance(task, Sensor)
            if ti.first_poke is not None and now - ti.first_poke >= task.timeout:
                out = Outcome("skipped" if task.soft_fail else "failed",
                              error=f"sensor {task.task_id} timed out after {task.timeout:g}s")
            else:
                ti.state = "up_for_reschedule"
                self._record(ti)
                heapq.heappush(self.waiting, (now + task.poke_interval, next(self.seq), ti))
                return
        if out.status == "failed":
            limit, delay = task.max_tries, task.retry_wait(ti.try_number)
            if out.transient and task.retries == 0:
                limit, delay = 1 + TRANSIENT_RETRIES, TRANSIENT_DELAY * 2 ** (ti.try_number - 1)
            if ti.try_number < limit:
                ti.state, ti.error, ti.finished_at = "up_for_retry", out.error, now
                self._record(ti)
                heapq.heappush(self.waiting, (now + delay, next(self.seq), ti))
                if self.alerts is not None:
                    self.alerts.task_event("retry", self, ti)
                return
        ti.state, ti.finished_at, ti.error = out.status, now, out.error
        self._record(ti)
        key = f"{task.task_id}#{ti.map_index}"
        if out.status == "success":
            self.results[key] = out.value
            if out.value is not None:
                self.result_rows.append((self.run.run_id, task.task_id, ti.map_index, out.value))
        if self.alerts is not None and out.status in ("failed", "success"):
            self.alerts.task_event("failure" if out.status == "failed" else "success", self, ti)
        node = self.nodes[task.task_id]
        node.open_tis -= 1
        if node.open_tis == 0:
            self._close_node(task.task_id)

    # -- ledger writes ------------------------------------------------------------------------------
    def flush(self, force: bool = False) -> None:
        now = time.time()
        if not force and now - self.last_flush < FLUSH_EVERY and now - self.last_beat < self.heartbeat:
            return
        beat = None
        if self.owner is not None and (force or now - self.last_beat >= self.heartbeat or self.rows):
            beat = (self.run.run_id, self.owner)
            self.last_beat = now
        rows = [ti.row(self.run.run_id) for ti in self.rows.values()]
        if rows or self.logs or self.result_rows or beat:
            self.store.write(rows, self.logs, self.result_rows, beat)
        self.rows, self.logs, self.result_rows = {}, [], []
        self.last_flush = now

    def task_states(self) -> dict[str, str | None]:
        return {tid: n.state for tid, n in self.nodes.items()}


def _aggregate(states: list[str | None]) -> str:
    if any(s == "failed" for s in states):
        return "failed"
    if any(s == "upstream_failed" for s in states):
        return "upstream_failed"
    if states and all(s == "skipped" for s in states):
        return "skipped"
    return "success"
