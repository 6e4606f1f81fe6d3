"""The stream loop: poll -> micro-batch -> decode -> transform -> checks -> dead letters ->
one table commit with the offsets -> Kafka commit -> metrics.

Positions come from the tables on every partition assignment; a revoked partition's
pending messages are written before it goes (commit on revoke). ``stop()`` (Ctrl-C,
SIGTERM) ends the loop after the batch in hand.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from weir.formats.base import TableFormat
from weir.project.streams import StreamSpec
from weir.sql.relation import Relation
from weir.state.ledger import Ledger
from weir.streaming import batch as B
from weir.streaming.checks import check_batch, load_checks
from weir.streaming.decode import make_decoder
from weir.streaming.errors import StreamError
from weir.streaming.faults import fault
from weir.streaming.metrics import BatchMetrics, record_batch
from weir.streaming.sink import DELETE_FLAG, TableSink, already_written
from weir.streaming.source import Positions, RawBatch, StreamSource, split_key
from weir.streaming.windows import WindowWriter

log = logging.getLogger("weir.streaming")
#: seconds a new consumer may take to get its first partitions before it counts as idle
JOIN_GRACE = 30.0


@dataclass
class StreamStats:
    batches: int = 0
    messages: int = 0
    written: int = 0
    dead_letters: int = 0
    late: int = 0


class StreamRunner:
    """Runs one stream node in this process (several processes may share its group)."""

    def __init__(self, spec: StreamSpec, fmt: TableFormat, schema: str, source: StreamSource, *,
                 project_root: Path, run_id: str, node_id: str | None = None, ledger: Ledger | None = None,
                 dead_letter_producer: Any = None) -> None:
        self.spec = spec
        self.source = source
        self.run_id = run_id
        self.node_id = node_id or f"stream.{spec.name}"
        self.ledger = ledger
        self.app_id = f"weir.stream.{spec.name}"
        ident = spec.identifier
        self.main = TableSink(fmt, Relation(schema=schema, identifier=ident, type="table"), self.app_id)
        self.dead = TableSink(fmt, Relation(schema=schema, identifier=f"{ident}__dead_letters", type="table"),
                              self.app_id)
        self.checks = load_checks(spec.expectations, spec.name, spec.path)
        schema_file = project_root / spec.decode.schema_file if spec.decode.schema_file else None
        self.decoder = make_decoder(spec.decode.format, schema_file, confluent=spec.decode.wire_format == "confluent")
        self.windows = WindowWriter(spec.window, fmt, Relation(schema=schema, identifier=f"{ident}__late",
                                                               type="table"), self.app_id) if spec.window else None
        self.con = duckdb.connect()
        self.dlq = dead_letter_producer
        self.stats = StreamStats()
        self._stop = threading.Event()
        self._pending = RawBatch()
        self._batch_no = 0
        self._expected_known = False

    # -- control ---------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _sinks(self) -> list[TableSink]:
        return [self.main, self.dead] + ([self.windows.late] if self.windows else [])

    def _on_assign(self, keys: list[str]) -> Positions:
        for sink in self._sinks():
            sink.restore(keys)
        self._follow_topic_ids(keys)
        log.info("stream %s: assigned %s, resuming at %s", self.spec.name, keys,
                 {k: self.main.positions.get(k) for k in keys})
        # the target holds the oldest copy of the offsets: replay from there
        return {k: self.main.positions[k] for k in keys if k in self.main.positions}

    def _follow_topic_ids(self, keys: list[str]) -> None:
        """A topic deleted and created again since the table's last batch starts over at
        offset 0: its old positions must neither skip nor filter out the new messages."""
        now = self.source.topic_ids()
        before = {**now, **(self.main.extra.get("topic_ids") or {})}
        recreated = {t for t, tid in now.items() if before[t] != tid and any(k.startswith(f"{t}/") for k in keys)}
        for topic in sorted(recreated):
            log.warning("stream %s: topic %r was deleted and created again since the last batch "
                        "(id %s -> %s): reading it from its first offset", self.spec.name, topic,
                        before[topic], now[topic])
        for sink in self._sinks():
            sink.forget(recreated)
            sink.carry["topic_ids"] = {**before, **now}
            if recreated:
                sink.positions.update({k: 0 for k in keys if split_key(k)[0] in recreated})

    def _on_revoke(self, keys: list[str]) -> None:
        log.info("stream %s: revoked %s", self.spec.name, keys)
        if len(self._pending):
            log.info("stream %s: partitions %s revoked; committing the batch in hand", self.spec.name, keys)
            pending, self._pending = self._pending, RawBatch()
            self.process(pending)

    # -- the loop --------------------------------------------------------------------------
    def run(self, *, max_batches: int | None = None, until_idle: float | None = None) -> StreamStats:
        """Process batches until stopped, ``max_batches`` are done, or no message came for
        ``until_idle`` seconds (counted once partitions are assigned)."""
        self.source.open(self._on_assign, self._on_revoke)
        started = idle_since = time.monotonic()
        joined = False  # the first group join is not idle time (up to JOIN_GRACE s); later waits are
        try:
            while not self.stopping:
                raw = self._collect()
                if not len(raw):
                    joined = joined or bool(self.source.assigned()) or time.monotonic() - started > JOIN_GRACE
                    if not joined:
                        idle_since = time.monotonic()
                    elif until_idle is not None and time.monotonic() - idle_since >= until_idle:
                        break
                    continue
                idle_since = time.monotonic()
                self.process(raw)
                if max_batches is not None and self.stats.batches >= max_batches:
                    break
        finally:
            self.source.close()
            self.con.close()
        return self.stats

    def _collect(self) -> RawBatch:
        """Messages until the batch is full or ``batch_seconds`` passed since its first one."""
        spec = self.spec
        self._pending = RawBatch()
        first_at: float | None = None
        while len(self._pending) < spec.batch_size and not self.stopping:
            wait = 0.5 if first_at is None else spec.batch_seconds - (time.monotonic() - first_at)
            if wait <= 0:
                break
            got = self.source.poll(min(spec.batch_size - len(self._pending), 100_000), min(wait, 0.5))
            if len(got):
                self._pending.extend(got)
                first_at = first_at or time.monotonic()
            elif first_at is None:
                break  # nothing arrived: let the caller count idle time
        raw, self._pending = self._pending, RawBatch()
        return raw

    # -- one batch -------------------------------------------------------------------------
    def _metadata(self, seq: int) -> dict[str, str]:
        return {"weir.run_id": self.run_id, "weir.node": self.node_id, "weir.stream.batch": str(seq)}

    def _expect_table_schema(self) -> None:
        """JSON without a transform: the table's columns fix the types of known fields."""
        if self._expected_known or self.spec.transform or self.spec.decode.format != "json":
            return
        self._expected_known = True
        if self.main.exists():
            schema = self.main.fmt.schema(self.main.relation)
            keep = [f for f in schema if f.name not in B.META]
            self.decoder.expected = pa.schema(keep) if keep else None

    def process(self, raw: RawBatch) -> None:
        """Write one batch exactly once (see weir.streaming.sink for the order of commits)."""
        started = time.time()
        self._batch_no += 1
        no = self._batch_no
        spec = self.spec
        seq = max(s.version for s in self._sinks()) + 1
        positions = raw.next_positions()
        fault("mid_batch", no)
        self._expect_table_schema()
        decoded = self.decoder.decode(raw.values)
        dead = [B.dead_letters(raw, decoded.bad, "decode", self.run_id)]
        rows = B.with_metadata(raw, decoded.rows, decoded.index)
        if spec.transform:
            rows = B.run_sql(self.con, rows, spec.transform, f"the transform of stream {spec.name}")
        checked = check_batch(self.con, rows, self.checks)
        rows = checked.good
        dead.append(B.failed_rows(checked.bad.drop_columns(["__weir_errors"]),
                                  checked.bad.column("__weir_errors").cast(pa.string()), "check", self.run_id))
        if spec.on_fail == "fail" and any(d.num_rows for d in dead):
            first = next(d for d in dead if d.num_rows).slice(0, 1).to_pylist()[0]
            raise StreamError(f"stream {spec.name}: bad message at {first['topic']}/{first['partition']}"
                              f"@{first['offset']}: {first['error']}", path=spec.path,
                              hint="on_fail: dead_letter sends bad messages to the dead-letter table instead")
        letters = pa.concat_tables(dead)
        letters = letters.filter(pc.invert(already_written(letters, self.dead.positions)))
        late = 0
        if letters.num_rows:
            fault("before_dead_letters", no)
            self.dead.append(letters, seq, positions, self._metadata(seq))
            fault("after_dead_letters", no)
            self._publish_dead_letters(letters)
        fault("before_write", no)
        if self.windows is not None:
            late, commit = self.windows.write(self.con, self.main, rows, seq, positions, self._metadata(seq))
            written = rows.num_rows - late
        else:
            commit, written = self._write_rows(rows, seq, positions)
        fault("after_commit", no)
        self.source.commit(positions)
        self._account(raw, started, seq, written, letters.num_rows, late, checked.warned,
                      commit.version if commit else None, positions)

    def _write_rows(self, rows: pa.Table, seq: int, positions: Positions) -> tuple[Any, int]:
        spec = self.spec
        meta = self._metadata(seq)
        state = {**{k: v for k, v in self.main.positions.items() if k in set(self.source.assigned())}, **positions}
        if spec.mode == "merge":
            rows = B.last_per_key(rows, spec.keys)
            if spec.delete_when:
                flag = f"select *, coalesce(({spec.delete_when}), false) as {DELETE_FLAG} from batch"
                rows = B.run_sql(self.con, rows, flag, f"delete_when of stream {spec.name}")
            out = rows if spec.metadata_columns else B.drop_metadata(rows)
            commit = self.main.merge(out, spec.keys, seq, state, meta)
        else:
            out = rows if spec.metadata_columns else B.drop_metadata(rows)
            commit = self.main.append(out, seq, state, meta)
        if self.decoder.expected is not None or (not spec.transform and spec.decode.format == "json"):
            keep = [f for f in out.schema if f.name not in B.META and f.name != DELETE_FLAG]
            self.decoder.expected = _union(self.decoder.expected, pa.schema(keep)) if keep else self.decoder.expected
        return commit, rows.num_rows

    def _publish_dead_letters(self, letters: pa.Table) -> None:
        if self.dlq is None or not self.spec.dead_letter_topic:
            return
        self.dlq.send_dead_letters(self.spec.dead_letter_topic, letters)

    def _account(self, raw: RawBatch, started: float, seq: int, written: int, dead: int, late: int,
                 warned: int, version: int | None, positions: Positions) -> None:
        now = time.time()
        stamps = [t for t in raw.timestamps if t and t > 0]
        s = self.stats
        s.batches += 1
        s.messages += len(raw)
        s.written += written
        s.dead_letters += dead
        s.late += late
        if self.ledger is None:
            return
        record_batch(self.ledger, BatchMetrics(
            self.run_id, self.spec.name, seq, started, now, len(raw), raw.nbytes, written, dead, late, warned,
            (now - min(stamps) / 1000.0) if stamps else None, self.source.lag(self.main.positions), version,
            ",".join(f"{k}:{v}" for k, v in sorted(positions.items()))))


def _union(a: pa.Schema | None, b: pa.Schema) -> pa.Schema:
    if a is None:
        return b
    names = set(a.names)
    return pa.schema(list(a) + [f for f in b if f.name not in names])
