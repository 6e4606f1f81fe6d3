"""The stream runner on an in-memory source (no broker): one commit per batch carrying the
offsets, restarts resume from the table, replays never duplicate rows or dead letters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from weir.formats.delta import DeltaFormat
from weir.project.streams import StreamSpec
from weir.sql.relation import Relation
from weir.streaming.errors import StreamError
from weir.streaming.runner import StreamRunner
from weir.streaming.source import OnAssign, OnRevoke, Positions, RawBatch, split_key


class MemorySource:
    """A topic held in memory: partitions of (key, value) messages."""

    def __init__(self, topic: str, partitions: list[list[bytes | None]], topic_id: str = "") -> None:
        self.topic = topic
        self.topic_id = topic_id  # a new id: the topic was deleted and created again
        self.log = partitions
        self.pos: dict[str, int] = {}
        self.commits: list[Positions] = []

    def open(self, on_assign: OnAssign, on_revoke: OnRevoke) -> None:
        keys = [f"{self.topic}/{p}" for p in range(len(self.log))]
        start = on_assign(keys)
        self.pos = {k: start.get(k, 0) for k in keys}

    def poll(self, max_messages: int, timeout: float) -> RawBatch:
        out = RawBatch()
        for key, at in self.pos.items():
            part = split_key(key)[1]
            for offset in range(at, min(len(self.log[part]), at + max_messages - len(out))):
                value = self.log[part][offset]
                out.extend(RawBatch([self.topic], [part], [offset], [None], [value], [1_700_000_000_000],
                                    len(value or b"")))
            self.pos[key] = at + sum(1 for p in out.partitions if p == part)
        return out

    def commit(self, positions: Positions) -> None:
        self.commits.append(dict(positions))

    def assigned(self) -> list[str]:
        return list(self.pos)

    def lag(self, positions: Positions) -> int | None:
        return None

    def topic_ids(self) -> dict[str, str]:
        return {self.topic: self.topic_id} if self.topic_id else {}

    def close(self) -> None:
        pass


def _runner(tmp_path: Path, source: MemorySource, **spec: Any) -> StreamRunner:
    s = StreamSpec.model_validate({"name": "ev", "topics": [source.topic], "batch_size": 4, "batch_seconds": 0.1,
                                   **spec})
    return StreamRunner(s, DeltaFormat(str(tmp_path / "lake")), "main", source, project_root=tmp_path, run_id="r")


def _rows(tmp_path: Path, table: str, cols: str = "*") -> list[tuple[Any, ...]]:
    fmt = DeltaFormat(str(tmp_path / "lake"))
    return duckdb.sql(f"select {cols} from ({fmt.scan_sql(Relation(schema='main', identifier=table))}) "
                      "order by all").fetchall()


def _msgs(ids: range) -> list[bytes | None]:
    return [json.dumps({"id": i}).encode() for i in ids]


def test_each_batch_is_one_commit_with_its_offsets_and_restarts_resume_there(tmp_path: Path) -> None:
    src = MemorySource("t", [_msgs(range(0, 6)), _msgs(range(100, 103))])
    stats = _runner(tmp_path, src).run(until_idle=0)
    assert stats.messages == 9 and stats.batches == 3
    fmt = DeltaFormat(str(tmp_path / "lake"))
    state = fmt.app_state(Relation(schema="main", identifier="ev"), "weir.stream.ev")
    assert state is not None and state.state["offsets"] == {"t/0": 6, "t/1": 3}
    assert src.commits and set().union(*src.commits) == {"t/0", "t/1"}  # Kafka got the hint too
    src.log[0] += _msgs(range(6, 8))
    again = MemorySource("t", src.log)
    _runner(tmp_path, again).run(until_idle=0)
    assert [r[0] for r in _rows(tmp_path, "ev", "id")] == [*range(0, 8), 100, 101, 102]


def test_a_topic_created_again_is_read_from_its_start_not_from_the_old_offsets(tmp_path: Path) -> None:
    _runner(tmp_path, MemorySource("t", [_msgs(range(0, 6))], topic_id="A")).run(until_idle=0)
    _runner(tmp_path, MemorySource("t", [_msgs(range(0, 6))], topic_id="A")).run(until_idle=0)  # nothing new
    # deleted and created again: offsets start over at 0, under a new id
    _runner(tmp_path, MemorySource("t", [[b"oops", *_msgs(range(100, 108))]], topic_id="B")).run(until_idle=0)
    assert [r[0] for r in _rows(tmp_path, "ev", "id")] == [*range(0, 6), *range(100, 108)]
    assert [r[0] for r in _rows(tmp_path, "ev__dead_letters", '"offset"')] == [0]
    fmt = DeltaFormat(str(tmp_path / "lake"))
    state = fmt.app_state(Relation(schema="main", identifier="ev"), "weir.stream.ev")
    assert state is not None and state.state["offsets"] == {"t/0": 9} and state.state["topic_ids"] == {"t": "B"}
    # and the restart after that resumes at offset 9 of the new topic
    _runner(tmp_path, MemorySource("t", [[b"oops", *_msgs(range(100, 109))]], topic_id="B")).run(until_idle=0)
    assert [r[0] for r in _rows(tmp_path, "ev", "id")] == [*range(0, 6), *range(100, 109)]


def test_a_replayed_batch_skips_dead_letters_already_committed(tmp_path: Path) -> None:
    log: list[bytes | None] = [b"bad", *_msgs(range(1, 4))]
    runner = _runner(tmp_path, MemorySource("t", [log]))
    raw = RawBatch(["t"] * 4, [0] * 4, list(range(4)), [None] * 4, log, [0] * 4, 10)
    # a crash between the dead-letter commit and the table commit: dead letters are in, rows not
    runner.dead.append(pa.table({"topic": ["t"], "partition": pa.array([0], pa.int32()),
                                 "offset": pa.array([0], pa.int64()), "error": ["x"]}), 0, {"t/0": 4}, {})
    runner.process(raw)
    assert len(_rows(tmp_path, "ev__dead_letters")) == 1
    assert [r[0] for r in _rows(tmp_path, "ev", "id")] == [1, 2, 3]


def test_checks_send_failing_rows_to_dead_letters_and_counts_reconcile(tmp_path: Path) -> None:
    log = [json.dumps({"id": i, "n": i - 2}).encode() for i in range(6)]
    stats = _runner(tmp_path, MemorySource("t", [log]), expectations=[
        {"expect_column_values_to_be_between": {"column": "n", "min_value": 0}}]).run(until_idle=0)
    assert stats.messages == stats.written + stats.dead_letters == 6 and stats.dead_letters == 2
    letters = _rows(tmp_path, "ev__dead_letters", '"offset", error, stage')
    assert letters == [(0, "be_between(n)", "check"), (1, "be_between(n)", "check")]


def test_on_fail_fail_stops_at_the_first_bad_message(tmp_path: Path) -> None:
    with pytest.raises(StreamError, match=r"bad message at t/0@1: not valid JSON"):
        _runner(tmp_path, MemorySource("t", [[b'{"id": 1}', b"oops"]]), on_fail="fail").run(until_idle=0)


def test_transform_sees_the_batch_and_kafka_columns(tmp_path: Path) -> None:
    _runner(tmp_path, MemorySource("t", [_msgs(range(3))]),
            transform="select id * 10 as id10, _kafka_offset as off from batch where id > 0").run(until_idle=0)
    assert _rows(tmp_path, "ev") == [(10, 1), (20, 2)]


def test_an_empty_batch_after_the_transform_still_commits_its_offsets(tmp_path: Path) -> None:
    _runner(tmp_path, MemorySource("t", [_msgs(range(3))])).run(until_idle=0)
    src = MemorySource("t", [_msgs(range(3)) + _msgs(range(3, 5))])
    _runner(tmp_path, src, transform="select * from batch where id < 0").run(until_idle=0)
    state = DeltaFormat(str(tmp_path / "lake")).app_state(Relation(schema="main", identifier="ev"), "weir.stream.ev")
    assert state is not None and state.state["offsets"] == {"t/0": 5}
    assert len(_rows(tmp_path, "ev")) == 3


def test_merge_keeps_the_newest_row_per_key_and_deletes(tmp_path: Path) -> None:
    log = [json.dumps(r).encode() for r in ({"id": 1, "v": "a", "op": "c"}, {"id": 2, "v": "b", "op": "c"},
                                            {"id": 1, "v": "a2", "op": "u"}, {"id": 2, "v": None, "op": "d"})]
    _runner(tmp_path, MemorySource("t", [log]), mode="merge", keys=["id"], delete_when="op = 'd'",
            batch_size=2).run(until_idle=0)
    assert _rows(tmp_path, "ev", "id, v") == [(1, "a2")]


def test_a_replay_from_older_target_positions_never_rewinds_the_dead_letter_positions(tmp_path: Path) -> None:
    p0: list[bytes | None] = [b"bad0", *_msgs(range(1, 4)), b"bad4", *_msgs(range(5, 8))]
    p1: list[bytes | None] = [b"bad-p1", *_msgs(range(101, 103))]
    runner = _runner(tmp_path, MemorySource("t", [p0, p1]))
    # dead letters of p0 are in up to offset 8 (a crash came before the target's commit)
    runner.dead.append(pa.table({"topic": ["t", "t"], "partition": pa.array([0, 0], pa.int32()),
                                 "offset": pa.array([0, 4], pa.int64()), "error": ["x", "x"]}), 0, {"t/0": 8}, {})
    # the replay from the target's positions: p0's first half again, plus a new dead letter on p1
    replay = RawBatch(["t"] * 5, [0, 0, 0, 0, 1], [0, 1, 2, 3, 0], [None] * 5, [*p0[:4], p1[0]], [0] * 5, 10)
    runner.process(replay)
    fresh = _runner(tmp_path, MemorySource("t", [p0, p1]))
    fresh.dead.restore(["t/0", "t/1"])
    assert fresh.dead.positions == {"t/0": 8, "t/1": 1}
    fresh.main.restore(["t/0", "t/1"])
    fresh.process(RawBatch(["t"] * 4, [0] * 4, list(range(4, 8)), [None] * 4, p0[4:], [0] * 4, 10))
    assert len(_rows(tmp_path, "ev__dead_letters")) == 3
    assert [r[0] for r in _rows(tmp_path, "ev", "id")] == [1, 2, 3, 5, 6, 7]
