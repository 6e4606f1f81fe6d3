"""Stream modes on a real broker: CDC merge with deletes, tumbling and sliding event-time
windows with late events, Avro with a schema file, and the producer sink."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pytest
from stream_helpers import delta_rows, produce, weir, write_project

from weir.streaming import StreamError, publish

pytestmark = pytest.mark.integration


def test_merge_mode_applies_cdc_upserts_and_deletes(tmp_path: Path, kafka: str, topic) -> None:
    name = topic()
    project = write_project(tmp_path / "p", f"""
        streams:
          - name: customers
            topics: {name}
            bootstrap_servers: {kafka}
            mode: merge
            keys: [id]
            delete_when: "op = 'd'"
            transform: "select id, name, op from batch"
        """)
    produce(kafka, name, [("1", {"id": 1, "name": "ann", "op": "c"}), ("2", {"id": 2, "name": "bob", "op": "c"}),
                          ("3", {"id": 3, "name": "cy", "op": "c"}), ("1", {"id": 1, "name": "anne", "op": "u"})])
    weir(project, "stream", "customers", "--until-idle", "3")
    table = project / "lakehouse" / "main" / "customers"
    assert delta_rows(table, "select id, name from t order by id") == [(1, "anne"), (2, "bob"), (3, "cy")]

    produce(kafka, name, [("2", {"id": 2, "name": None, "op": "d"}), ("3", {"id": 3, "name": "cyd", "op": "u"}),
                          ("4", {"id": 4, "name": "dee", "op": "c"}), ("4", {"id": 4, "name": None, "op": "d"}),
                          ("5", {"id": 5, "name": "eve", "op": "c"})])
    weir(project, "stream", "customers", "--until-idle", "3")
    assert delta_rows(table, "select id, name from t order by id") == [(1, "anne"), (3, "cyd"), (5, "eve")]


def _events(rows: list[tuple[str, str, float]]) -> list[tuple[str, dict[str, object]]]:
    return [(user, {"user": user, "at": at, "amount": amount}) for user, at, amount in rows]


def test_tumbling_windows_combine_across_batches_and_send_late_events_aside(tmp_path: Path, kafka: str,
                                                                             topic) -> None:
    name = topic()
    project = write_project(tmp_path / "p", f"""
        streams:
          - name: spend
            topics: {name}
            bootstrap_servers: {kafka}
            window:
              type: tumbling
              time_column: at
              size: 1m
              watermark: 30s
              group_by: [user]
              aggregates: {{n: "count(*)", total: sum(amount), top: max(amount)}}
        """)
    produce(kafka, name, _events([("a", "2024-01-01 10:00:10", 1.0), ("a", "2024-01-01 10:00:50", 2.0),
                                  ("b", "2024-01-01 10:00:20", 5.0), ("a", "2024-01-01 10:01:05", 4.0)]))
    weir(project, "stream", "spend", "--until-idle", "3")
    # watermark now 10:00:35: the 10:00 window is still open
    produce(kafka, name, _events([("a", "2024-01-01 10:00:40", 3.0), ("a", "2024-01-01 10:02:10", 1.0)]))
    weir(project, "stream", "spend", "--until-idle", "3")
    # watermark now 10:01:40: the 10:00 window is closed, an event in it is late
    produce(kafka, name, _events([("b", "2024-01-01 10:00:55", 9.0), ("b", "2024-01-01 10:01:50", 7.0)]))
    weir(project, "stream", "spend", "--until-idle", "3")

    lake = project / "lakehouse" / "main"
    got = delta_rows(lake / "spend", "select strftime(window_start, '%H:%M'), strftime(window_end, '%H:%M'), "
                                     "user, n, total, top from t order by 1, 3")
    assert got == [("10:00", "10:01", "a", 3, 6.0, 3.0), ("10:00", "10:01", "b", 1, 5.0, 5.0),
                   ("10:01", "10:02", "a", 1, 4.0, 4.0), ("10:01", "10:02", "b", 1, 7.0, 7.0),
                   ("10:02", "10:03", "a", 1, 1.0, 1.0)]
    assert delta_rows(lake / "spend__late", "select user, amount from t") == [("b", 9.0)]


def test_sliding_windows_count_an_event_in_every_window_holding_it(tmp_path: Path, kafka: str, topic) -> None:
    name = topic()
    project = write_project(tmp_path / "p", f"""
        streams:
          - name: slide
            topics: {name}
            bootstrap_servers: {kafka}
            window: {{type: sliding, time_column: at, size: 2m, slide: 1m, aggregates: {{n: "count(*)"}}}}
        """)
    produce(kafka, name, _events([("a", "2024-01-01 10:00:30", 1.0), ("a", "2024-01-01 10:01:30", 1.0)]))
    weir(project, "stream", "slide", "--until-idle", "3")
    got = delta_rows(project / "lakehouse" / "main" / "slide",
                     "select strftime(window_start, '%H:%M'), n from t order by 1")
    assert got == [("09:59", 1), ("10:00", 2), ("10:01", 1)]


def test_avro_with_a_schema_file_and_poison_messages(tmp_path: Path, kafka: str, topic) -> None:
    import fastavro

    schema = {"type": "record", "name": "Click", "fields": [{"name": "id", "type": "long"},
                                                           {"name": "page", "type": "string"}]}
    parsed = fastavro.parse_schema(schema)

    def avro(rec: dict[str, object]) -> bytes:
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, parsed, rec)
        return buf.getvalue()

    name = topic()
    project = write_project(tmp_path / "p", f"""
        streams:
          - name: clicks
            topics: {name}
            bootstrap_servers: {kafka}
            decode: {{format: avro, schema: schemas/click.avsc}}
        """, {"schemas/click.avsc": json.dumps(schema)})
    produce(kafka, name, [("1", avro({"id": 1, "page": "/"})), ("2", b"\xff\xff\xff"), ("3", avro({"id": 3, "page": "/x"}))])
    weir(project, "stream", "clicks", "--until-idle", "3")
    lake = project / "lakehouse" / "main"
    assert delta_rows(lake / "clicks", "select id, page from t order by id") == [(1, "/"), (3, "/x")]
    letters = delta_rows(lake / "clicks__dead_letters", 'select "offset", error from t')
    assert len(letters) == 1 and letters[0][0] == 1 and "not valid Avro" in letters[0][1]


def test_publish_sends_every_row_and_reports_failures(tmp_path: Path, kafka: str, topic) -> None:
    name = topic(partitions=2)
    rows = pa.table({"id": list(range(50)), "city": [f"c{i % 3}" for i in range(50)]})
    result = publish(rows, name, bootstrap_servers=kafka, key="city")
    assert result.delivered == 50 and result.ok
    project = write_project(tmp_path / "p", f"""
        streams:
          - {{name: cities, topics: {name}, bootstrap_servers: {kafka}, metadata_columns: true}}
        """)
    weir(project, "stream", "cities", "--until-idle", "3")
    got = delta_rows(project / "lakehouse" / "main" / "cities", "select id, city, _kafka_key from t order by id")
    assert got == [(i, f"c{i % 3}", f"c{i % 3}") for i in range(50)]

    with pytest.raises(StreamError, match=r"3 of 3 message\(s\) to 'x' at 127.0.0.1:1 failed"):
        publish(rows.slice(0, 3), "x", bootstrap_servers="127.0.0.1:1", options={"message.timeout.ms": 1500},
                flush_timeout=10)
