"""The scheduler: creates the runs of due intervals, runs them, adopts orphaned runs.

Inserting the run row is the claim (UNIQUE per pipeline and logical date), so two schedulers on
one ledger never both run an interval. A run whose owner died (its process is gone, or its
heartbeat is stale) is taken over by compare-and-swap on the owner; its tasks that were running
become up_for_retry or failed by their retry policy, and the run continues.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from weir.orchestration.past import unblocked
from weir.orchestration.pools import Pools
from weir.orchestration.runner import execute_run, new_owner, new_run_id
from weir.orchestration.schedule import from_iso, iso
from weir.state.pipelines import PipelineStore, RunRecord

log = logging.getLogger(__name__)


def owner_alive(owner: str) -> bool | None:
    """Whether the process behind an owner token still runs (None when it is on another host)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Scheduler:
    """Starts due runs of a set of pipelines; :meth:`run_pass` is one round, :meth:`serve` loops."""

    def __init__(self, pipelines: dict[str, Any], store: PipelineStore, *, project: Any = None,
                 pools: Pools | None = None, heartbeat: float = 2.0, stale_after: float = 60.0,
                 on_idle: Callable[[], None] | None = None, now: Callable[[], dt.datetime] | None = None,
                 report: Callable[[str], None] | None = None) -> None:
        self.pipelines, self.store, self.project = pipelines, store, project
        self.pools = pools or Pools(getattr(project, "pools", None))
        self.heartbeat, self.stale_after = heartbeat, stale_after
        self.on_idle, self.now = on_idle, now or (lambda: dt.datetime.now(dt.UTC))
        self.report = report or (lambda msg: log.info("%s", msg))
        self.owner = new_owner()
        self.active: dict[str, threading.Thread] = {}
        self.finished: list[Any] = []
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    # -- orphans ---------------------------------------------------------------------------------
    def _orphaned(self, rec: RunRecord) -> bool:
        if not rec.owner or rec.owner == self.owner:
            return False
        alive = owner_alive(rec.owner)
        if alive is False:
            return True
        return rec.heartbeat is None or time.time() - rec.heartbeat > self.stale_after

    def adopt_orphans(self) -> list[RunRecord]:
        """Take over running runs of known pipelines whose owner is gone; fix their running tasks."""
        adopted = []
        for rec in self.store.runs(states=["running"], limit=10_000):
            if rec.pipeline_id not in self.pipelines or not self._orphaned(rec):
                continue
            if not self.store.claim_run(rec.run_id, self.owner, rec.owner):
                continue  # another scheduler adopted it first
            rows = []
            for ti in self.store.task_instances(rec.run_id):
                if ti.state in ("running", "queued", "up_for_reschedule"):
                    retry = ti.state != "running" or ti.try_number < ti.max_tries
                    state = "up_for_retry" if retry else "failed"
                    error = f"orphaned: the process running it ({rec.owner}) died"
                    rows.append((ti.run_id, ti.task_id, ti.map_index, state, ti.try_number, ti.max_tries,
                                 ti.started_at, time.time(), None, error, int(ti.sla_missed)))
            self.store.write(rows)
            self.report(f"adopted orphaned run {rec.run_id} of {rec.pipeline_id} from {rec.owner}: "
                        f"{len(rows)} task(s) reset")
            fresh = self.store.run(rec.run_id)
            if fresh is not None:
                adopted.append(fresh)
        return adopted

    # -- due intervals ---------------------------------------------------------------------------
    def _active_count(self, pipeline_id: str) -> int:
        return self.store.count_active(pipeline_id)

    def due_runs(self) -> list[RunRecord]:
        """Claim the runs to start now: queued ones nobody owns, blocked ones whose previous run has
        since succeeded (oldest first), then due scheduled intervals."""
        claimed: list[RunRecord] = []
        now = self.now()
        blocked: dict[str, list[RunRecord]] = {}
        for rec in reversed(self.store.runs(states=["blocked"], limit=10_000)):
            blocked.setdefault(rec.pipeline_id, []).append(rec)
        for rec in self.store.runs(states=["queued"], limit=10_000):
            p = self.pipelines.get(rec.pipeline_id)
            if p is None or rec.owner or self._active_count(p.pipeline_id) >= p.max_active_runs:
                continue
            if self.store.claim_run(rec.run_id, self.owner, None):
                self.store.set_run_state(rec.run_id, "running", owner=self.owner)
                claimed.append(rec)
        for p in self.pipelines.values():
            if p.validate():
                continue
            room = p.max_active_runs - self._active_count(p.pipeline_id)
            for rec in blocked.get(p.pipeline_id, []):
                if room <= 0:
                    break
                if not rec.owner and unblocked(p, rec, self.store) and self.store.claim_run(rec.run_id, self.owner,
                                                                                              None):
                    self.store.set_run_state(rec.run_id, "running", owner=self.owner)
                    claimed.append(rec)
                    room -= 1
            if p.schedule.kind == "none" or room <= 0:
                continue
            if p.catchup:
                last = self.store.latest_logical_date(p.pipeline_id)
                candidates = p.schedule.intervals(from_iso(last) if last else None, now)
            else:
                latest = p.schedule.latest_complete(now)
                last = self.store.latest_logical_date(p.pipeline_id)
                candidates = iter([latest] if latest and (last is None or iso(latest[0]) > last) else [])
            for start, end in candidates:
                if room <= 0:
                    break
                run_id = new_run_id("scheduled", start)
                if self.store.create_run(run_id, p.pipeline_id, iso(start), iso(start), iso(end),
                                         run_type="scheduled", owner=self.owner, state="running"):
                    new = self.store.run(run_id)
                    if new is not None:
                        claimed.append(new)
                    room -= 1
        return claimed

    # -- running -----------------------------------------------------------------------------------
    def _run(self, rec: RunRecord) -> None:
        p = self.pipelines[rec.pipeline_id]
        try:
            result = execute_run(p, rec, self.store, project=self.project, pools=self.pools, owner=self.owner,
                                 heartbeat=self.heartbeat)
            self.report(f"{p.pipeline_id} {rec.logical_date[:19]} {result.state}")
            self.finished.append(result)
        except Exception:
            log.exception("run %s of %s crashed", rec.run_id, rec.pipeline_id)
        finally:
            with self._lock:
                self.active.pop(rec.run_id, None)
            self.wake.set()

    def run_pass(self) -> int:
        """Adopt orphans, claim due runs and start them in threads; returns how many started."""
        started = 0
        for rec in self.adopt_orphans() + self.due_runs():
            with self._lock:
                if rec.run_id in self.active:
                    continue
                t = threading.Thread(target=self._run, args=(rec,), name=f"weir-run-{rec.run_id}", daemon=True)
                self.active[rec.run_id] = t
            t.start()
            started += 1
        return started

    def _idle(self) -> None:
        with self._lock:
            idle = not self.active
        if idle and self.on_idle is not None:
            self.on_idle()

    def serve(self, *, interval: float = 10.0, once: bool = False) -> None:
        """Loop until stopped; with ``once``, until nothing is due and no run is active."""
        self.report(f"scheduler {self.owner} started: {len(self.pipelines)} pipeline(s)")
        while not self.stopping.is_set():
            started = self.run_pass()
            if once and not started and not self.active:
                break
            if not started:
                self._idle()
            self.wake.clear()
            self.wake.wait(interval if not once else 0.5)
        for t in list(self.active.values()):
            t.join()
        self._idle()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
