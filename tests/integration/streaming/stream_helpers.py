"""Helpers for the stream tests: topics, producing, small projects, the CLI, Delta rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def create_topic(servers: str, name: str, partitions: int = 1) -> str:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": servers})
    admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])[name].result(30)
    return name


def produce(servers: str, topic: str, messages: Iterable[tuple[str | None, bytes | dict[str, Any]]]) -> int:
    """Produce (key, value) pairs (dict values as JSON); returns how many were delivered."""
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": servers, "acks": "all", "linger.ms": 5})
    failed: list[str] = []
    n = 0
    for key, value in messages:
        data = json.dumps(value).encode() if isinstance(value, dict) else value
        p.produce(topic, key=key.encode() if key is not None else None, value=data,
                  on_delivery=lambda err, _m: failed.append(str(err)) if err else None)
        p.poll(0)
        n += 1
    p.flush(30)
    assert not failed, failed[:3]
    return n


def write_project(root: Path, streams_yml: str, files: dict[str, str] | None = None) -> Path:
    """A minimal project: dbt_project.yml, streams/streams.yml and any extra files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text("name: streamy\nversion: '1.0'\nprofile: streamy\n")
    (root / "streams").mkdir(exist_ok=True)
    (root / "streams" / "streams.yml").write_text(textwrap.dedent(streams_yml))
    for rel, text in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    return root


def weir(project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180,
         check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the ``weir`` CLI in a fresh process."""
    proc = subprocess.run([sys.executable, "-m", "weir", *args, "--project-dir", str(project)],
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
                          cwd=str(project))
    if check and proc.returncode != 0:
        raise AssertionError(f"weir {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def delta_rows(path: Path, sql: str = "select * from t") -> list[tuple[Any, ...]]:
    """Rows of a Delta table (live files of its newest version) through DuckDB."""
    import duckdb
    from deltalake import DeltaTable

    from weir.formats.delta import delta_scan_sql

    con = duckdb.connect()
    try:
        return con.sql(f"with t as ({delta_scan_sql(DeltaTable(str(path)))}) {sql}").fetchall()
    finally:
        con.close()
