"""Stream declarations in streams/*.yml: validation errors name the file, line and key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from weir.errors import ProjectError
from weir.project.streams import load_streams, stream_sources


def _write(root: Path, text: str) -> Path:
    (root / "streams").mkdir(parents=True, exist_ok=True)
    (root / "streams" / "s.yml").write_text(textwrap.dedent(text))
    return root


def test_a_full_declaration_loads_with_defaults(tmp_path: Path) -> None:
    _write(tmp_path, """
        streams:
          - name: orders
            topics: orders
            bootstrap_servers: ${KAFKA_HOST}:9092
            decode: json
            mode: merge
            keys: order_id
            delete_when: "op = 'd'"
        """)
    [spec] = load_streams(tmp_path)
    assert spec.topics == ["orders"] and spec.keys == ["order_id"] and spec.decode.format == "json"
    assert spec.batch_size == 10_000 and spec.identifier == "orders" and spec.path == "streams/s.yml"


def test_bootstrap_servers_expand_the_environment_and_can_be_overridden(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "streams:\n  - {name: a, topics: t, bootstrap_servers: '${KAFKA_HOST}:9092'}\n")
    monkeypatch.setenv("KAFKA_HOST", "broker1")
    [spec] = load_streams(tmp_path)
    assert spec.servers == "broker1:9092"
    monkeypatch.setenv("WEIR_STREAM__BOOTSTRAP_SERVERS", "other:1")
    assert spec.servers == "other:1"


@pytest.mark.parametrize(("body", "message"), [
    ("{name: a, topics: t, mode: merge}", "mode: merge needs keys"),
    ("{name: a, topics: t, delete_when: 'op = 1'}", "delete_when needs mode: merge"),
    ("{name: a, topics: t, decode: avro}", "decode: avro needs `schema"),
    ("{name: a, topics: t, window: {type: sliding, time_column: at, size: 2m, aggregates: {n: 'count(*)'}}}",
     "a sliding window needs `slide:`"),
    ("{name: a, topics: t, batch_sise: 3}", "batch_sise: Extra inputs are not permitted"),
])
def test_bad_declarations_name_the_problem_and_the_line(tmp_path: Path, body: str, message: str) -> None:
    _write(tmp_path, f"streams:\n  - {body}\n")
    with pytest.raises(ProjectError, match=message) as err:
        load_streams(tmp_path)
    assert str(err.value).startswith("streams/s.yml:")


def test_two_streams_with_one_name_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "streams:\n  - {name: a, topics: t}\n  - {name: a, topics: u}\n")
    with pytest.raises(ProjectError, match="two streams are named 'a'"):
        load_streams(tmp_path)


def test_stream_tables_are_sources_of_streams(tmp_path: Path) -> None:
    _write(tmp_path, """
        streams:
          - {name: a, topics: t, schema: raw, alias: a_events}
          - {name: w, topics: t, window: {time_column: at, size: 1m, aggregates: {n: 'count(*)'}}}
        """)
    got = {(s.source_name, s.name, s.schema, s.identifier) for s in stream_sources(tmp_path, None, "main")}
    assert got == {("streams", "a", "raw", "a_events"), ("streams", "a__dead_letters", "raw", "a_events__dead_letters"),
                   ("streams", "w", "main", "w"), ("streams", "w__dead_letters", "main", "w__dead_letters"),
                   ("streams", "w__late", "main", "w__late")}
