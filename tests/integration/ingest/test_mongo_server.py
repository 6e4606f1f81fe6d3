"""MongoDB sources over the wire protocol. The server is nx-27017 (a MongoDB wire-protocol
server on SQLite, started by scripts/services.py), not MongoDB itself."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from conftest import table_columns, table_rows, write_project

from weir.errors import WeirError
from weir.ingest import mongo
from weir.ingest.loader import load
from weir.workspace import Workspace

pytestmark = pytest.mark.integration


@pytest.fixture
def mdb(service: Any, unique_name: str) -> Any:
    import pymongo

    facts = service("mongo")
    client = pymongo.MongoClient(facts["uri"], serverSelectionTimeoutMS=10_000)
    db = client[unique_name]
    db.facts = {**facts, "database": unique_name}
    yield db
    client.drop_database(unique_name)
    client.close()


def _docs(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"n": i, "updated_at": datetime.datetime(2024, 1, 1) + datetime.timedelta(minutes=i // 2),
             "customer": {"name": f"c{i}", "address": {"city": "Oslo" if i % 2 else "Lima"}},
             "tags": ["a", "b"][: i % 3], "status": "void" if i % 5 == 0 else "ok"} for i in range(start, start + n)]


def _source(db: Any, **table: Any) -> dict[str, Any]:
    return {"name": "app", "schema": "raw",
            "ingest": {"type": "mongo", "uri": db.facts["uri"], "database": db.facts["database"]},
            "tables": [{"name": "orders", "ingest": table}]}


def test_full_load_flattens_nested_documents_and_maps_types(mdb, tmp_path):
    ids = mdb.orders.insert_many(_docs(6)).inserted_ids
    root = write_project(tmp_path, [_source(mdb, filter={"status": "ok"}, projection={"tags": 0})])
    with Workspace.load(root) as ws:
        result = ws.ingest()
    assert result.success, [r.message for r in result.results]
    assert result.results[0].rows == 4  # n=0 and n=5 are void
    assert table_columns(root, "raw", "orders") == ["_id", "n", "updated_at", "customer__name",
                                                    "customer__address__city", "status"]
    rows = table_rows(root, "raw", "orders", order_by="n")
    assert rows[0] == (str(ids[1]), 1, datetime.datetime(2024, 1, 1), "c1", "Oslo", "ok")
    assert [r[1] for r in rows] == [1, 2, 3, 4]


def test_incremental_by_a_field_loads_only_new_documents(mdb, tmp_path):
    mdb.orders.insert_many(_docs(9))
    root = write_project(tmp_path, [_source(mdb, mode="incremental", cursor="updated_at", batch_size=2)])
    with Workspace.load(root) as ws:
        assert ws.ingest().results[0].rows == 9
    mdb.orders.insert_many(_docs(3, start=10))  # later than the stored cursor; n=10 and n=11 tie
    with Workspace.load(root) as ws:
        assert ws.ingest().results[0].rows == 3
        third = ws.ingest().results[0]
        assert third.rows == 0, third.message
    assert [r[1] for r in table_rows(root, "raw", "orders", order_by="n")] == [*range(9), 10, 11, 12]


def test_incremental_by_object_id_and_nested_kept_as_json(mdb, tmp_path):
    mdb.orders.insert_many(_docs(4))
    src = mongo.collection(mdb.facts["uri"], mdb.facts["database"], "orders", cursor="_id", nested="json",
                           name="app.orders")
    wh = str(tmp_path / "wh")
    assert load(src, into="raw.orders", warehouse=wh).rows_written == 4
    mdb.orders.insert_many(_docs(2, start=4))
    second = load(mongo.collection(mdb.facts["uri"], mdb.facts["database"], "orders", cursor="_id", nested="json"),
                  into="raw.orders", warehouse=wh, app_id="weir.ingest.app.orders")
    assert second.mode == "incremental" and second.rows_written == 2
    import duckdb

    from weir.formats.delta import DeltaFormat
    from weir.sql.relation import Relation

    sql = DeltaFormat(wh).scan_sql(Relation("raw", "orders"))
    rows = duckdb.connect().execute(f"select n, customer, tags from ({sql}) order by n").fetchall()
    assert [r[0] for r in rows] == list(range(6))
    assert json.loads(rows[1][1]) == {"address": {"city": "Oslo"}, "name": "c1"} and json.loads(rows[1][2]) == ["a"]


def test_unreachable_server_is_one_clear_error(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = mongo.collection(f"mongodb://app:pw-secret-1@127.0.0.1:{port}/?serverSelectionTimeoutMS=500", "shop",
                           "orders", name="app.orders")
    with pytest.raises(WeirError) as err:
        load(src, into="raw.orders", warehouse=str(tmp_path / "wh"))
    assert "mongo source app.orders" in str(err.value) and "cannot read" in str(err.value)
    assert "pw-secret-1" not in str(err.value)
