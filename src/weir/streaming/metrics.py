"""Per-batch stream metrics in the run ledger (table ``stream_batches``, migration 5)."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from typing import Any

from weir.state.ledger import Ledger


@dataclass
class BatchMetrics:
    run_id: str
    stream: str
    batch_seq: int
    started_at: float
    finished_at: float
    messages: int
    bytes: int
    written: int
    dead_letters: int
    late: int
    warned: int
    #: seconds from the oldest message's broker timestamp to the table commit
    latency_s: float | None
    #: messages behind the newest ones after this batch (approximate on tansu)
    lag: int | None
    table_version: int | None
    partitions: str


COLUMNS = [f.name for f in fields(BatchMetrics)]


def record_batch(ledger: Ledger, m: BatchMetrics) -> None:
    marks = ", ".join("?" * len(COLUMNS))
    ledger._exec(f"insert into stream_batches ({', '.join(COLUMNS)}) values ({marks})", astuple(m))


def stream_status(ledger: Ledger, stream: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The newest batches (of one stream, or of all), newest first."""
    where, params = ("where stream = ?", (stream,)) if stream else ("", ())
    rows = ledger._exec(f"select {', '.join(COLUMNS)} from stream_batches {where} "
                        "order by finished_at desc limit ?", (*params, limit))
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


def stream_totals(ledger: Ledger) -> list[dict[str, Any]]:
    """Per stream: batches, messages, written, dead letters, late, last batch time."""
    cols = ["stream", "batches", "messages", "written", "dead_letters", "late", "last_at", "last_lag"]
    rows = ledger._exec(
        "select stream, count(*), sum(messages), sum(written), sum(dead_letters), sum(late), max(finished_at), "
        "(select lag from stream_batches b where b.stream = s.stream order by finished_at desc limit 1) "
        "from stream_batches s group by stream order by stream")
    return [dict(zip(cols, r, strict=True)) for r in rows]
