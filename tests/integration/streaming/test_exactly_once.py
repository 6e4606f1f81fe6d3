"""Exactly once under SIGKILL: ``weir stream`` is killed 24 times while messages are being
produced — at every deterministic crash point (mid-batch, around the dead-letter commit,
before the table write, between the table commit and the Kafka commit) and at random
moments — and the table still holds every message exactly once.

Every restart joins a *new* consumer group, whose committed offsets are empty: positions
can only come from the table (the source of truth), never from Kafka.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from stream_helpers import delta_rows, produce, write_project

from weir.streaming.faults import FAULT_ENV, POINTS

pytestmark = pytest.mark.integration

TOTAL = 3000
POISON_EVERY = 101


def _spec(name: str, kafka: str, group: str) -> str:
    return f"""
        streams:
          - name: events
            topics: {name}
            group: {group}
            bootstrap_servers: {kafka}
            batch_size: 150
            batch_seconds: 0.5
            metadata_columns: true
            expectations:
              - expect_column_values_to_be_between: {{column: n, min_value: 0}}
        """


def _producer(kafka: str, name: str, done: threading.Event) -> None:
    try:
        for start in range(0, TOTAL, 100):
            batch = []
            for i in range(start, start + 100):
                value: bytes | dict[str, object] = {"id": i, "n": -1 if i % 211 == 3 else i, "pad": "x" * 100}
                if i % POISON_EVERY == 0:
                    value = b"\x00garbage"
                batch.append((str(i), value))
            produce(kafka, name, batch)
            time.sleep(3.0)  # production spans most of the kills
    finally:
        done.set()


def _start(project: Path, env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "weir", "stream", "events", "--project-dir", str(project), *args],
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=str(project))


def test_sigkill_at_any_point_neither_loses_nor_duplicates(tmp_path: Path, kafka: str, topic) -> None:
    name = topic(partitions=2)
    project = write_project(tmp_path / "p", _spec(name, kafka, "g0"))
    rng = random.Random(7)
    done = threading.Event()
    producer = threading.Thread(target=_producer, args=(kafka, name, done), daemon=True)
    producer.start()
    kills = 0
    for i in range(24):
        (project / "streams" / "streams.yml").write_text(_spec(name, kafka, f"g{i + 1}"))
        if i % 2 == 0:  # a deterministic crash point in batch 1..3 of this process
            point, nth = POINTS[(i // 2) % len(POINTS)], 1 + (i // 2) % 3
            proc = _start(project, {FAULT_ENV: f"{point}@{nth}"}, "--max-batches", str(nth + 1), "--until-idle", "5")
            _, err = proc.communicate(timeout=120)
            assert proc.returncode in (0, -signal.SIGKILL), err.decode()[-2000:]
        else:  # a random moment: joining, polling, decoding, writing or committing
            proc = _start(project, {}, "--until-idle", "60")
            try:
                proc.wait(timeout=rng.uniform(2.0, 6.0))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
            _, err = proc.communicate(timeout=30)
            assert proc.returncode in (0, -signal.SIGKILL), err.decode()[-2000:]
        kills += proc.returncode == -signal.SIGKILL
    producer.join(timeout=120)
    assert done.is_set()
    assert kills >= 20

    (project / "streams" / "streams.yml").write_text(_spec(name, kafka, "final"))
    final = _start(project, {}, "--until-idle", "5")
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()[-2000:]

    lake = project / "lakehouse" / "main"
    rows = delta_rows(lake / "events", "select id, _kafka_partition, _kafka_offset from t")
    letters = delta_rows(lake / "events__dead_letters", 'select partition, "offset", stage from t')
    poison = {i for i in range(TOTAL) if i % POISON_EVERY == 0}
    negative = {i for i in range(TOTAL) if i % 211 == 3 and i not in poison}
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "a message was written twice"
    assert set(ids) == set(range(TOTAL)) - poison - negative, "a message was lost"
    assert len({(p, o) for _, p, o in rows}) == len(rows)
    coords = [(p, o) for p, o, _ in letters]
    assert len(coords) == len(set(coords)), "a dead letter was written twice"
    assert sorted(s for _, _, s in letters) == sorted(["decode"] * len(poison) + ["check"] * len(negative))
