"""File readers and the files source without a table: globs, the manifest, CSV/JSON parsing,
refused lines with their line numbers, and resuming inside a file."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pyarrow as pa
import pytest

from weir.errors import ConfigError
from weir.ingest import file_formats as ff
from weir.ingest.files import (
    FilesSource,
    decode_manifest,
    detect_format,
    encode_manifest,
    files,
    options_from,
)
from weir.ingest.filesystems import glob_regex, s3_settings


@pytest.mark.parametrize(("pattern", "path", "hit"), [
    ("/d/*.csv", "/d/a.csv", True),
    ("/d/*.csv", "/d/x/a.csv", False),
    ("/d/**/*.csv", "/d/a.csv", True),
    ("/d/**/*.csv", "/d/x/y/a.csv", True),
    ("b/in/part-?.csv", "b/in/part-1.csv", True),
    ("b/in/part-[!0].csv", "b/in/part-0.csv", False),
    ("b/in/*.csv", "b/in/a.csv.gz", False),
])
def test_glob(pattern, path, hit):
    assert bool(glob_regex(pattern).match(path)) is hit


def test_manifest_round_trip_is_compact():
    files_ = {f"s3://bucket/landing/2024/01/{i:05d}.csv": [1000 + i, 1_700_000_000_000_000_000 + i]
              for i in range(2000)}
    text = encode_manifest(files_)
    assert decode_manifest(text) == files_
    assert len(text) < 40 * len(files_)


def test_format_from_extension_and_options():
    assert detect_format("/x/a.CSV.gz") == "csv" and detect_format("s3://b/k.ndjson") == "jsonl"
    with pytest.raises(ConfigError, match="set format"):
        detect_format("/x/data.bin")
    o = options_from({"delimiter": ";", "columns": {"amount": "decimal(10,2)", "n": "bigint"},
                      "null_values": ["-"]}, "/x/a.csv")
    assert o.columns == {"amount": pa.decimal128(10, 2), "n": pa.int64()} and o.null_values == ("-",)
    with pytest.raises(ConfigError, match="not a SQL type"):
        options_from({"columns": {"a": "int; drop table x"}}, "/x/a.csv")
    with pytest.raises(ConfigError, match="nested"):
        options_from({"nested": "deep"}, "/x/a.jsonl")


def test_s3_settings_from_block_then_environment(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "env-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("BLOCK_SECRET", "block-secret")
    s = s3_settings({"endpoint_url": "http://127.0.0.1:9000",
                     "secret_access_key": "{{ env_var('BLOCK_SECRET') }}"})
    assert s["access_key_id"] == "env-key" and s["secret_access_key"] == "block-secret"
    assert s["endpoint_url"] == "http://127.0.0.1:9000"


def _csv(text: str, **kw) -> tuple[list[dict], list[ff.Bad]]:
    o = ff.FileOptions(**kw)
    names = ff.csv_names(io.BytesIO(text.encode()), o, "f.csv")
    schema = ff.csv_schema(io.BytesIO(text.encode()), o, names, "f.csv")
    bad: list[ff.Bad] = []
    rows = [r for b in ff.csv_batches(io.BytesIO(text.encode()), o, names, schema, "f.csv", bad.append)
            for r in b.to_pylist()]
    return rows, bad


def test_csv_types_nulls_quotes_and_refused_lines():
    rows, bad = _csv('a,b,c\n1,"x, y",2024-01-02\n2,,\n3\n 4 ,"q""uote",2024-01-03\n')
    assert rows == [{"a": 1, "b": "x, y", "c": __import__("datetime").date(2024, 1, 2)},
                    {"a": 2, "b": None, "c": None},
                    {"a": 4, "b": 'q"uote', "c": __import__("datetime").date(2024, 1, 3)}]
    assert [(b.line, b.raw) for b in bad] == [(4, "3")]


def test_csv_conversion_errors_report_record_numbers_after_refused_lines():
    text = "n,v\n1,a\nbroken\n2,b\nx,c\n3,d\n"
    rows, bad = _csv(text, columns={"n": pa.int64()})
    assert [r["n"] for r in rows] == [1, 2, 3]
    assert [(b.line, b.raw) for b in bad] == [(3, "broken"), (5, "x,c")]
    assert "'x' is not a valid int64" in bad[1].error


def test_csv_without_header_tab_separated_latin1():
    text = "1\tZ\u00fcrich\n2\tG\u00e9n\u00e8ve\n".encode("latin-1")
    o = ff.FileOptions(delimiter="\t", header=False, encoding="latin-1")
    names = ff.csv_names(io.BytesIO(text), o, "f.tsv")
    schema = ff.csv_schema(io.BytesIO(text), o, names, "f.tsv")
    rows = [r for b in ff.csv_batches(io.BytesIO(text), o, names, schema, "f.tsv", lambda b: None) for r in b.to_pylist()]
    assert names == ["f0", "f1"] and rows == [{"f0": 1, "f1": "Z\u00fcrich"}, {"f0": 2, "f1": "G\u00e9n\u00e8ve"}]


def test_jsonl_lines_schema_over_all_records_and_bad_records():
    text = b'{"a": 1}\n\n{"a": 2, "b": {"c": "x"}}\nnot json\n{"a": 3.5}\r\n{"a": "s"}'
    o = ff.FileOptions(format="jsonl")
    schema = ff.jsonl_schema(io.BytesIO(text), o)
    assert schema == pa.schema([("a", pa.float64()), ("b", pa.struct([("c", pa.string())]))])
    bad: list[ff.Bad] = []
    rows = [r for b in ff.jsonl_batches(io.BytesIO(text), o, schema, "f.jsonl", bad.append) for r in b.to_pylist()]
    assert [r["a"] for r in rows] == [1.0, 2.0, 3.5]
    assert [(b.line, b.raw) for b in bad] == [(4, "not json"), (6, '{"a": "s"}')]


def test_a_big_file_resumes_after_its_committed_rows(tmp_path: Path):
    lines = ["id,v"] + [f"{i},{'bad' if i % 10 == 0 else i}" + (",x" if i % 7 == 0 else "") for i in range(1, 101)]
    (tmp_path / "big.csv").write_text("\n".join(lines) + "\n")
    src = files(str(tmp_path / "*.csv"), batch_size=10, columns={"v": "bigint"})
    src.options = dataclasses.replace(src.options, block_size=64)  # many small pieces
    src.prepare({})
    batches, states, refused = [], [], []
    for batch in src.read({}):
        batches.append(batch)
        states.append(src.next_state({}, batch))
        refused.append(sum(q.rows.num_rows for q in src.take_quarantined()))
    all_ids = [i for b in batches for i in b.column("id").to_pylist()]
    good = [i for i in range(1, 101) if i % 10 and i % 7]
    assert all_ids == good and sum(refused) == 100 - len(good)
    cut = states[2]  # killed after the third commit
    assert cut["partial"]["rows"] == sum(b.num_rows for b in batches[:3])
    again = FilesSource(src.path, options=src.options, batch_size=10)
    again.prepare(cut)
    rest = [b for b in again.read(cut)]
    assert [i for b in batches[:3] for i in b.column("id").to_pylist()] + \
        [i for b in rest for i in b.column("id").to_pylist()] == good
    assert sum(refused[:3]) + sum(q.rows.num_rows for q in again.take_quarantined()) == 100 - len(good)
    done = again.next_state(cut, rest[-1])
    assert "partial" not in done and decode_manifest(done["files"]).keys() == {str(tmp_path / "big.csv")}
    later = FilesSource(src.path, options=src.options)
    later.prepare(done)
    assert list(later.read(done)) == []  # nothing new
