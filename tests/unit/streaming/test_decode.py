"""Bulk decoding of message values: JSON, Avro, raw bytes; bad values come back, never raise."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pytest

from weir.streaming.decode import AvroDecoder, JsonDecoder, RawDecoder


def _j(**row: object) -> bytes:
    return json.dumps(row).encode()


def test_json_decodes_a_clean_batch_in_one_go() -> None:
    out = JsonDecoder().decode([_j(id=1, name="a"), _j(id=2, name="b")])
    assert out.rows.to_pylist() == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert out.index == [0, 1] and out.bad == []


def test_json_poison_and_empty_values_are_bad_and_the_rest_decodes() -> None:
    out = JsonDecoder().decode([_j(id=1), b"{nope", None, b"[1, 2]", _j(id=5)])
    assert sorted(out.index) == [0, 4]
    bad = dict(out.bad)
    assert set(bad) == {1, 2, 3}
    assert "not valid JSON" in bad[1] and bad[2] == "empty message value" and "not a JSON object" in bad[3]


def test_json_types_follow_the_table_new_fields_are_columns_wrong_types_are_bad() -> None:
    dec = JsonDecoder()
    dec.expected = pa.schema([("id", pa.int64()), ("amount", pa.float64())])
    out = dec.decode([_j(id=1, amount=2), _j(id="x", amount=1.5), _j(id=3, amount=1.0, extra="new")])
    by_index = dict(zip(out.index, out.rows.to_pylist(), strict=True))
    assert by_index[0] == {"id": 1, "amount": 2.0, "extra": None}
    assert by_index[2]["extra"] == "new"
    assert [i for i, _ in out.bad] == [1] and "does not fit the table's columns" in out.bad[0][1]
    assert out.rows.schema.field("amount").type == pa.float64()


def test_json_without_a_table_lets_the_majority_set_the_types() -> None:
    values = [_j(id=i) for i in range(20)] + [_j(id="twenty")]
    out = JsonDecoder().decode(values)
    assert len(out.index) == 20 and [i for i, _ in out.bad] == [20]
    assert out.rows.schema.field("id").type == pa.int64()


def test_all_null_columns_become_strings() -> None:
    out = JsonDecoder().decode([_j(id=1, note=None)])
    assert out.rows.schema.field("note").type == pa.string()


def test_pretty_printed_json_takes_the_slow_path_and_still_decodes() -> None:
    out = JsonDecoder().decode([json.dumps({"id": 1}, indent=2).encode(), _j(id=2)])
    assert sorted(r["id"] for r in out.rows.to_pylist()) == [1, 2] and out.bad == []


def test_avro_with_a_schema_file_and_the_confluent_header(tmp_path: Path) -> None:
    import fastavro

    schema = {"type": "record", "name": "R", "fields": [{"name": "id", "type": "long"}]}
    path = tmp_path / "r.avsc"
    path.write_text(json.dumps(schema))
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(schema), {"id": 7})
    framed = b"\x00\x00\x00\x00\x01" + buf.getvalue()
    out = AvroDecoder(path, confluent=True).decode([framed, buf.getvalue(), b""])
    assert out.rows.to_pylist() == [{"id": 7}] and out.index == [0]
    assert "Confluent wire-format header" in dict(out.bad)[1]


def test_avro_schema_file_errors_name_the_file(tmp_path: Path) -> None:
    from weir.streaming.errors import StreamError

    with pytest.raises(StreamError, match=r"cannot read Avro schema .*missing.avsc"):
        AvroDecoder(tmp_path / "missing.avsc")


def test_raw_keeps_the_bytes() -> None:
    out = RawDecoder().decode([b"\x00\x01", None])
    assert out.rows.column("value").to_pylist() == [b"\x00\x01", None]
