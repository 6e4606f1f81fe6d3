"""Ctrl-C during a run: the engine is told to cancel, queued nodes never start, what
finished is reported."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator

import pytest

from weir.materialize.runtime import NodeResult
from weir.workspace.executor import Interrupted, execute
from weir.workspace.plan import Plan, Step


@pytest.fixture
def default_sigint() -> Iterator[None]:
    """Python's own Ctrl-C handler (another test of this worker may have installed one)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("default_sigint")
def test_ctrl_c_cancels_running_nodes_and_starts_no_more() -> None:
    plan = Plan("build", (Step("a", "model", ()), Step("slow", "model", ("a",)), Step("queued", "model", ("a",)),
                          Step("child", "model", ("slow",))))
    cancelled = threading.Event()
    started: list[str] = []

    def run_node(uid: str) -> NodeResult:
        started.append(uid)
        if uid == "slow":
            main = threading.main_thread().ident
            threading.Timer(0.2, signal.pthread_kill, (main, signal.SIGINT)).start()  # Ctrl-C
            if not cancelled.wait(30):
                raise AssertionError("never cancelled")
            return NodeResult(uid, uid, "model", "error", message="query cancelled")
        return NodeResult(uid, uid, "model", "success")

    with pytest.raises(Interrupted) as info:
        execute(plan, run_node, threads=1, cancel=cancelled.set)

    assert cancelled.is_set()
    assert started == ["a", "slow"]  # "queued" waited for the one thread and never started
    assert [(r.unique_id, r.status) for r in info.value.results] == [("a", "success"), ("slow", "error")]
