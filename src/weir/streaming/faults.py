"""Deterministic crash points for exactly-once tests: ``WEIR_STREAM_FAULT=point@N`` kills
the process (SIGKILL, no clean-up) when batch ``N`` of this process reaches ``point``.

Points, in the order a batch passes them: ``mid_batch`` (messages polled, nothing
written), ``before_dead_letters``, ``after_dead_letters``, ``before_write``,
``after_commit`` (the table committed, the Kafka offsets not yet).
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "WEIR_STREAM_FAULT"
POINTS = ("mid_batch", "before_dead_letters", "after_dead_letters", "before_write", "after_commit")


def _parse(text: str) -> tuple[str, int]:
    point, _, n = text.partition("@")
    return point.strip(), int(n or 1)


def fault(point: str, batch_no: int) -> None:
    """Die here if the environment asks for it (a no-op otherwise)."""
    text = os.environ.get(FAULT_ENV)
    if not text:
        return
    want, n = _parse(text)
    if want == point and n == batch_no:
        os.kill(os.getpid(), signal.SIGKILL)
