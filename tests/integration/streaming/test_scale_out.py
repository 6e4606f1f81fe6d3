"""Scale-out: two ``weir stream`` processes in one consumer group split a 4-partition topic;
partitions move when the second joins and when the first stops (commit on revoke), and
the table still holds every message exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stream_helpers import delta_rows, produce, write_project

pytestmark = pytest.mark.integration


def _start(project: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "weir", "stream", "events", "--until-idle", "8",
                             "--project-dir", str(project)], env=dict(os.environ), cwd=str(project),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _send(kafka: str, name: str, ids: range) -> None:
    for start in range(ids.start, ids.stop, 200):
        produce(kafka, name, [(str(i), {"id": i}) for i in range(start, min(start + 200, ids.stop))])
        time.sleep(0.3)


def _batches_by_run(project: Path) -> dict[str, int]:
    path = project / ".weir" / "ledger.db"
    if not path.exists():
        return {}
    with sqlite3.connect(path, timeout=30) as db:
        try:
            return dict(db.execute("select run_id, sum(messages) from stream_batches group by run_id").fetchall())
        except sqlite3.OperationalError:  # the ledger is being created
            return {}


def _wait_for_runs(project: Path, n: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while len(_batches_by_run(project)) < n:
        assert time.monotonic() < deadline, f"fewer than {n} processes wrote a batch"
        time.sleep(0.3)


def test_two_processes_split_partitions_and_hand_them_over(tmp_path: Path, kafka: str, topic,
                                                          unique_name: str) -> None:
    name = topic(partitions=4)
    def config(group: str) -> str:
        return f"""
        streams:
          - name: events
            topics: {name}
            group: {group}
            bootstrap_servers: {kafka}
            batch_size: 100
            batch_seconds: 0.5
            metadata_columns: true
        """

    project = write_project(tmp_path / "p", config(unique_name))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        first = _start(project)
        procs.append(first)
        _send(kafka, name, range(0, 1000))
        _wait_for_runs(project, 1)
        second = _start(project)  # joins: the group rebalances, the first commits what it holds
        procs.append(second)
        _send(kafka, name, range(1000, 3000))
        first.send_signal(signal.SIGTERM)  # stops after its batch; its partitions move to the second
        _, err = first.communicate(timeout=90)
        assert first.returncode == 0, err.decode()[-2000:]
        _send(kafka, name, range(3000, 4000))
        _, err = second.communicate(timeout=240)
        assert second.returncode == 0, err.decode()[-2000:]
        # tansu's group coordinator sometimes leaves a member without partitions after a
        # rebalance, so what is left is drained by a run in a group of its own: it owns every
        # partition at once and starts from the offsets in the table, not from the group's
        write_project(project, config(f"{unique_name}-drain"))
        third = _start(project)
        procs.append(third)
        _, err = third.communicate(timeout=240)
        assert third.returncode == 0, err.decode()[-2000:]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)

    rows = delta_rows(project / "lakehouse" / "main" / "events", "select id, _kafka_partition from t")
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)) == 4000
    by_run = _batches_by_run(project)
    # several processes did work (which ones depends on how tansu assigned the partitions)
    assert len([n for n in by_run.values() if n > 0]) >= 2
    assert sum(by_run.values()) == 4000
