"""``weir stream`` end to end on a real broker: JSON in, Delta out, bad input in the dead
letters, counts that reconcile, tables readable by the project, metrics in the ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stream_helpers import delta_rows, produce, weir, write_project

from weir.workspace import Workspace

pytestmark = pytest.mark.integration


def _orders(n: int) -> list[tuple[str, bytes | dict[str, object]]]:
    out: list[tuple[str, bytes | dict[str, object]]] = []
    for i in range(n):
        value: bytes | dict[str, object] = {"order_id": i, "amount": float(i % 50), "status": "placed"}
        if i % 97 == 13:
            value = b"{this is not json"
        elif i % 89 == 5:
            value = {"order_id": f"order-{i}", "amount": 1.0, "status": "placed"}  # wrong type
        elif i % 83 == 7:
            value = {"order_id": i, "amount": -5.0, "status": "placed"}  # fails a check
        elif i == 250:
            value = {"order_id": i, "amount": 3.0, "status": "placed", "channel": "web"}  # new field
        out.append((str(i), value))
    return out


def test_stream_lands_every_message_once_with_bad_ones_dead_lettered(tmp_path: Path, kafka: str, topic) -> None:
    name = topic(partitions=3)
    messages = _orders(600)
    produce(kafka, name, messages[:300])
    project = write_project(tmp_path / "p", f"""
        streams:
          - name: orders
            topics: {name}
            bootstrap_servers: {kafka}
            batch_size: 120
            batch_seconds: 1
            expectations:
              - expect_column_values_to_be_between: {{column: amount, min_value: 0}}
        """, {"models/big_orders.sql": "select * from {{ source('streams', 'orders') }} where amount >= 40\n"})
    out = weir(project, "stream", "orders", "--until-idle", "3")
    assert "orders:" in out.stdout and "300 messages" in out.stdout

    produce(kafka, name, messages[300:])
    weir(project, "stream", "orders", "--until-idle", "3")

    table = project / "lakehouse" / "main" / "orders"
    dead = project / "lakehouse" / "main" / "orders__dead_letters"
    ids = [r[0] for r in delta_rows(table, "select order_id from t")]
    letters = delta_rows(dead, "select \"offset\", stage, error, payload from t")
    poison = sum(1 for _, v in messages if isinstance(v, bytes))
    wrong_type = sum(1 for _, v in messages if isinstance(v, dict) and isinstance(v["order_id"], str))
    negative = sum(1 for _, v in messages if isinstance(v, dict) and v["amount"] == -5.0)
    assert len(ids) == len(set(ids)) == 600 - poison - wrong_type - negative
    assert len(letters) == poison + wrong_type + negative  # consumed = written + dead-lettered
    stages = {s for _, s, _, _ in letters}
    assert stages == {"decode", "check"}
    assert any("not valid JSON" in e for _, _, e, _ in letters)
    assert any("does not fit the table's columns" in e for _, _, e, _ in letters)
    assert any(e == "be_between(amount)" and json.loads(p)["amount"] == -5.0 for _, s, e, p in letters if s == "check")
    # schema drift: the new field became a column
    assert delta_rows(table, "select channel from t where order_id = 250") == [("web",)]

    # the stream's tables are sources of the project: models and `weir show` read them
    with Workspace.load(project) as ws:
        result = ws.run()
        assert result.success
        big = ws.query("select count(*) from main.big_orders").column(0)[0].as_py()
    assert big == len([i for i in ids if i % 50 >= 40])
    shown = weir(project, "show", "streams.orders__dead_letters", "--format", "json", "--all")
    assert len(json.loads(shown.stdout)) == len(letters)

    status = weir(project, "stream", "status", "orders")
    assert "orders:" in status.stdout and "600 messages" in status.stdout
    runs = weir(project, "runs")
    assert runs.stdout.count(" stream ") >= 2


def test_stream_names_an_unknown_stream_and_a_missing_topic(tmp_path: Path, kafka: str) -> None:
    project = write_project(tmp_path / "p", f"""
        streams:
          - name: ghost
            topics: [no_such_topic_here]
            bootstrap_servers: {kafka}
        """)
    bad = weir(project, "stream", "ghosts", check=False)
    assert bad.returncode == 1 and "no stream named 'ghosts'" in bad.stderr
    missing = weir(project, "stream", "ghost", "--once", check=False)
    assert missing.returncode == 1
    assert "topic 'no_such_topic_here' does not exist" in missing.stderr


def test_unreachable_broker_is_retried_then_named(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", """
        streams:
          - name: lost
            topics: [t]
            bootstrap_servers: 127.0.0.1:1
        """)
    out = weir(project, "stream", "lost", "--once", env={"WEIR_STREAM__CONNECT_TIMEOUT": "4"}, check=False)
    assert out.returncode == 1
    assert "no Kafka broker answered at 127.0.0.1:1 within 4s" in out.stderr
    assert "retrying in" in out.stderr  # backoff, not a busy loop


def test_a_topic_deleted_while_streaming_stops_with_a_clear_error(tmp_path: Path, kafka: str, topic) -> None:
    """Needs confluent-kafka < 2.5 on tansu (pyproject.toml says why): newer librdkafka crashes."""
    import subprocess
    import sys
    import time

    from confluent_kafka.admin import AdminClient
    from stream_helpers import create_topic

    name = topic()
    project = write_project(tmp_path / "p", f"""
        streams:
          - {{name: ev, topics: {name}, bootstrap_servers: {kafka}, batch_seconds: 0.5}}
        """)
    produce(kafka, name, [(str(i), {"id": i}) for i in range(10)])
    proc = subprocess.Popen([sys.executable, "-m", "weir", "stream", "ev", "--until-idle", "60",
                             "--project-dir", str(project)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=str(project), text=True)
    log = project / "lakehouse" / "main" / "ev" / "_delta_log"
    deadline = time.monotonic() + 90
    while not (log.is_dir() and any(log.glob("*.json"))):  # the first batch is in
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.3)
    admin = AdminClient({"bootstrap.servers": kafka})
    admin.delete_topics([name])[name].result(30)
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 1, (out, err)
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: topic '{name}' does not exist on {kafka} (deleted while reading?)"], err
    assert "Traceback" not in err
    table = project / "lakehouse" / "main" / "ev"
    assert sorted(r[0] for r in delta_rows(table, "select id from t")) == list(range(10))

    # created again with more messages than were read: the restart reads them all from offset 0
    create_topic(kafka, name)
    produce(kafka, name, [(str(i), {"id": i}) for i in range(100, 115)])
    out2 = weir(project, "stream", "ev", "--until-idle", "3")
    assert "deleted and created again" in out2.stderr
    assert sorted(r[0] for r in delta_rows(table, "select id from t")) == [*range(10), *range(100, 115)]
