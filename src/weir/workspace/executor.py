"""Runs a plan: independent nodes in parallel threads, a failure skips what depends on it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from weir.errors import WeirError
from weir.materialize.runtime import NodeResult
from weir.workspace.plan import Plan

FAILED = ("error", "fail", "skipped")

Reporter = Callable[[str, NodeResult | None, str], None]  # (event, result, unique_id)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run: the engine's running queries were cancelled, nothing new was
    started; ``results`` are the nodes that finished (the cancelled ones as errors)."""

    def __init__(self, results: list[NodeResult]) -> None:
        super().__init__("interrupted")
        self.results = results


def execute(plan: Plan, run_node: Callable[[str], NodeResult], *, threads: int,
            report: Reporter | None = None, names: dict[str, tuple[str, str]] | None = None,
            debug: bool = False, cancel: Callable[[], None] | None = None) -> list[NodeResult]:
    """Run every step once its planned parents are done; returns results in finish order.
    On Ctrl-C, ``cancel`` stops the engine's running queries, queued steps never start,
    and :class:`Interrupted` carries what finished."""
    pending = {s.unique_id: set(s.parents) for s in plan.steps}
    kinds = {s.unique_id: s.resource_type for s in plan.steps}
    results: dict[str, NodeResult] = {}
    order: list[NodeResult] = []
    lock = threading.Lock()

    def finish(res: NodeResult) -> None:
        with lock:
            results[res.unique_id] = res
            order.append(res)
        if report:
            report("done", res, res.unique_id)

    stop = threading.Event()  # set on Ctrl-C: a worker that picks up a queued node runs nothing

    def guarded(uid: str) -> NodeResult:
        if stop.is_set():
            name, kind = (names or {}).get(uid, (uid, kinds[uid]))
            return NodeResult(uid, name, kind, "skipped", message="skipped: the run was interrupted")
        if report:
            report("start", None, uid)
        start = time.time()
        try:
            res = run_node(uid)
        except WeirError as exc:
            name, kind = (names or {}).get(uid, (uid, kinds[uid]))
            res = NodeResult(uid, name, kind, "error", message=str(exc), started_at=start)
            if debug:
                raise
        res.duration = time.time() - start
        res.started_at = start
        return res

    pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="weir")
    running: dict[Future[NodeResult], str] = {}
    try:
        while pending or running:
            # skip steps whose parents failed, transitively, before anything new starts
            while True:
                doomed = [u for u, ps in pending.items()
                          if any(p in results and results[p].status in FAILED for p in ps)]
                if not doomed:
                    break
                for uid in doomed:
                    parents = pending.pop(uid)
                    cause = next(p for p in sorted(parents) if p in results and results[p].status in FAILED)
                    name, kind = (names or {}).get(uid, (uid, kinds[uid]))
                    cause_name = (names or {}).get(cause, (cause, ""))[0]
                    finish(NodeResult(uid, name, kind, "skipped",
                                      message=f"skipped: upstream {cause_name} did not succeed"))
            ready = [u for u, ps in pending.items() if all(p in results for p in ps)]
            for uid in ready:
                del pending[uid]
                running[pool.submit(guarded, uid)] = uid
            if not running:
                if pending:  # nothing runnable and nothing running: parents never planned
                    for uid in list(pending):
                        name, kind = (names or {}).get(uid, (uid, kinds[uid]))
                        finish(NodeResult(uid, name, kind, "skipped", message="skipped: parents not run"))
                        del pending[uid]
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                running.pop(fut)
                finish(fut.result())
    except KeyboardInterrupt:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)  # queued nodes never start
        if cancel is not None:
            cancel()
        pool.shutdown(wait=True)
        for fut, _uid in running.items():
            if fut.done() and not fut.cancelled() and fut.exception() is None and fut.result().status != "skipped":
                finish(fut.result())
        raise Interrupted(order) from None
    finally:
        pool.shutdown(wait=True)
    return order
