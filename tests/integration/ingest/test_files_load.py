"""Files sources through ``weir ingest``/``weir build`` and the Python API: CSV with malformed
lines (rows in = loaded + quarantined), only new or changed files on reruns, JSON lines
flattened or kept as JSON, Parquet, and globs on S3 (SeaweedFS)."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import table_columns, table_rows, write_project

from weir.errors import WeirError
from weir.ingest import files
from weir.ingest.loader import load
from weir.workspace import Workspace

pytestmark = pytest.mark.integration


def _source(tables: list[dict[str, Any]], **ingest: Any) -> dict[str, Any]:
    return {"name": "landing", "schema": "raw", "ingest": {"type": "files", **ingest}, "tables": tables}


def _ingest(root: Path, **kw: Any) -> Any:
    with Workspace.load(root) as ws:
        result = ws.ingest(**kw)
    assert result.success, [r.message for r in result.results]
    return result.results


def _quarantine(root: Path, table: str) -> list[dict[str, Any]]:
    rows = table_rows(root, "raw", f"{table}__quarantine", order_by="payload")
    return [{"reason": r[1], **json.loads(r[3])} for r in rows]


def test_csv_malformed_lines_are_quarantined_and_counted(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders_1.csv").write_text(
        "id;name;amount;day\n"
        "1;anna;1.50;2024-01-01\n"
        "2;bob\n"                          # line 3: too few fields
        "3;\"c;d\";2.25;2024-01-02\n"      # quoted delimiter
        "4;dan;abc;2024-01-03\n"           # line 5: amount is not a number (declared double)
        "5;eve;3;2024-01-04;extra\n"       # line 6: too many fields
        "6;NULL;4;\n")
    tables = [{"name": "orders", "ingest": {"path": "data/orders_*.csv", "delimiter": ";",
                                            "columns": {"amount": "double", "id": "bigint"}}}]
    root = write_project(tmp_path, [_source(tables)])
    [res] = _ingest(root)
    assert res.rows == 3 and res.quarantined == 3
    rows = table_rows(root, "raw", "orders")
    assert rows == [(1, "anna", 1.5, datetime.date(2024, 1, 1)), (3, "c;d", 2.25, datetime.date(2024, 1, 2)),
                    (6, None, 4.0, None)]
    bad = _quarantine(root, "orders")
    assert [(b["line"], b["raw"]) for b in bad] == [(3, "2;bob"), (5, "4;dan;abc;2024-01-03"),
                                                    (6, "5;eve;3;2024-01-04;extra")]
    assert all(b["file"] == str(data / "orders_1.csv") for b in bad)
    assert "expected 4 fields, got 2" in bad[0]["reason"] and "'abc' is not a valid double" in bad[1]["reason"]
    lines_in = 6
    assert len(rows) + len(bad) == lines_in


def test_only_new_or_changed_files_are_loaded_on_rerun(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        (data / f"part_{i}.csv").write_text("id,v\n" + "".join(f"{i * 10 + j},{j}\n" for j in range(5)))
    root = write_project(tmp_path, [_source([{"name": "parts", "ingest": {"path": "data/*.csv"}}])])
    assert _ingest(root)[0].rows == 15
    assert _ingest(root)[0].rows == 0  # nothing new
    (data / "part_3.csv").write_text("id,v\n30,\n31,\n")  # no value tells v's type: the table's is kept
    assert _ingest(root)[0].rows == 2
    assert table_rows(root, "raw", "parts")[-2:] == [(30, None), (31, None)]
    (data / "part_0.csv").write_text("id,v\n0,0\n1,1\n2,2\n3,3\n4,4\n5,5\n")  # changed: read again
    os.utime(data / "part_0.csv", (1_900_000_000, 1_900_000_000))
    assert _ingest(root)[0].rows == 6
    ids = [r[0] for r in table_rows(root, "raw", "parts")]
    assert ids == sorted([*range(5), *range(6), *range(10, 15), *range(20, 25), 30, 31])
    # the files loaded are in the table's own commit (no ledger needed to know them)
    with Workspace.load(root) as ws:
        ws.ingest(full_refresh=True)
    assert len(table_rows(root, "raw", "parts")) == 6 + 5 + 5 + 2


def test_jsonl_nested_flattened_or_kept_as_json_and_bad_records_quarantined(tmp_path):
    data = tmp_path / "events.jsonl"
    data.write_text(
        '{"id": 1, "user": {"name": "a", "geo": {"lat": 1.5}}, "tags": ["x"]}\n'
        '{"id": 2, "user": {"name": "b"}, "extra": true}\n'
        '\n'
        '{"id": 3, "user": \n'              # line 4: broken JSON
        '[1, 2]\n'                          # line 5: not an object
        '{"id": "four", "user": {"name": "d"}}\n')  # line 6: id does not fit int64
    sources = [_source([{"name": "flat"}], path=str(data)),
               {**_source([{"name": "doc"}], path=str(data), nested="json"), "name": "landing_json",
                "schema": "raw_json"}]  # another schema: two ingest threads creating one schema race in DuckDB
    root = write_project(tmp_path, sources)
    results = {r.name: r for r in _ingest(root)}
    assert results["landing.flat"].rows == 2 and results["landing.flat"].quarantined == 3
    assert table_columns(root, "raw", "flat") == ["id", "user__name", "user__geo__lat", "tags", "extra"]
    assert table_rows(root, "raw", "flat") == [(1, "a", 1.5, ["x"], None), (2, "b", None, None, True)]
    bad = _quarantine(root, "flat")
    assert [b["line"] for b in bad] == [4, 5, 6]
    assert "malformed JSON" in bad[0]["reason"] and bad[1]["raw"] == "[1, 2]" and "four" in bad[2]["raw"]
    docs = table_rows(root, "raw_json", "doc")
    assert [json.loads(d[1]) for d in docs] == [{"geo": {"lat": 1.5}, "name": "a"}, {"name": "b"}]


def test_parquet_files_and_a_model_downstream_in_build(tmp_path):
    data = tmp_path / "pq"
    data.mkdir()
    for day in (1, 2):
        pq.write_table(pa.table({"id": [day * 10, day * 10 + 1], "at": [datetime.datetime(2024, 1, day)] * 2,
                                 "amount": pa.array([1.5, 2.5])}), data / f"day={day}.parquet")
    models = {"totals": "{{ config(materialized='table') }}\n"
                        "select count(*) as n, sum(amount) as amount from {{ source('landing', 'sales') }}"}
    root = write_project(tmp_path, [_source([{"name": "sales", "ingest": {"path": "pq/*.parquet"}}])], models)
    with Workspace.load(root) as ws:
        result = ws.build()
        assert result.success, [r.message for r in result.results]
        assert ws.query("select * from main.totals").to_pylist() == [{"n": 4, "amount": 8.0}]


def test_s3_glob_loads_new_files_only(s3_bucket, tmp_path, monkeypatch):
    fs, bucket = s3_bucket["filesystem"], s3_bucket["bucket"]

    def put(key: str, text: str) -> None:
        with fs.open_output_stream(f"{bucket}/{key}") as out:
            out.write(text.encode())

    put("in/2024/a.csv", "id,name\n1,a\n2,b\n")
    put("in/2024/b.csv", "id,name\n3,c\n")
    put("in/other.txt", "not csv")
    for k, v in (("AWS_ACCESS_KEY_ID", s3_bucket["access_key"]), ("AWS_SECRET_ACCESS_KEY", s3_bucket["secret_key"])):
        monkeypatch.setenv(k, v)
    block = {"path": f"s3://{bucket}/in/**/*.csv", "format": "csv",
             "storage_options": {"endpoint_url": s3_bucket["endpoint"], "region": s3_bucket["region"]}}
    root = write_project(tmp_path, [_source([{"name": "people", "ingest": block}])])
    assert _ingest(root)[0].rows == 3
    put("in/2024/c.csv", "id,name\n4,d\n")
    assert _ingest(root)[0].rows == 1
    assert table_rows(root, "raw", "people") == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]


def test_python_api_and_a_missing_s3_key_error(s3_bucket, tmp_path, monkeypatch):
    fs, bucket = s3_bucket["filesystem"], s3_bucket["bucket"]
    with fs.open_output_stream(f"{bucket}/x/one.jsonl") as out:
        out.write(b'{"k": 1}\n{"k": 2}\n')
    opts = s3_bucket["storage_options"]
    result = load(files.files(f"s3://{bucket}/x/*.jsonl", storage_options=opts), into="raw.k",
                  warehouse=str(tmp_path / "wh"))
    assert result.mode == "incremental" and result.rows_written == 2
    assert result.state["added"] == [f"s3://{bucket}/x/one.jsonl"]
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(k, raising=False)
    wrong = {**opts, "AWS_SECRET_ACCESS_KEY": "not-the-secret-xyz"}
    with pytest.raises(WeirError) as err:
        load(files.files(f"s3://{bucket}/x/*.jsonl", storage_options=wrong), into="raw.k2",
             warehouse=str(tmp_path / "wh"))
    assert "files source" in str(err.value) and "not-the-secret-xyz" not in str(err.value)
