"""PostgreSQL ingestion against a real server: modes, types, schema changes, contracts,
errors a user sees, and a model downstream of an ingested source in ``weir build``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from conftest import pg_source, table_columns, table_rows, write_project

from weir.errors import WeirError
from weir.ingest import postgres
from weir.ingest.loader import load
from weir.workspace import Workspace

pytestmark = pytest.mark.integration

UTC = datetime.UTC


def _orders(pg: Any, n: int = 10) -> None:
    pg.execute("create table orders (order_id int primary key, amount numeric(12,2), note text, "
               "updated_at timestamptz not null, is_deleted boolean not null default false)")
    pg.execute("insert into orders select i, i * 1.25, case when i % 3 = 0 then null else 'n' || i end, "
               "timestamptz '2024-01-01 00:00:00+00' + (i / 2) * interval '1 hour', false "
               f"from generate_series(1, {n}) i")


def _source_rows(pg: Any) -> list[tuple[Any, ...]]:
    return pg.execute("select order_id, amount, note, updated_at, is_deleted from orders order by 1").fetchall()


def _ingest(root: Any, **kw: Any) -> Any:
    with Workspace.load(root) as ws:
        result = ws.ingest(**kw)
    assert result.success, [r.message for r in result.results]
    return result.results[0]


def test_full_load_maps_types(pg, tmp_path):
    pg.execute("create table kinds (id int, big bigint, small smallint, price numeric(12,2), ratio real, "
               "x double precision, label text, empty text, flag boolean, day date, at timestamp, "
               "at_tz timestamptz, doc jsonb, ids int[], uid uuid, raw bytea, free numeric)")
    pg.execute("insert into kinds values (1, 9000000000, 7, 12.34, 0.5, 2.5, 'a,\"b\"', '', true, '2024-02-29', "
               "'2024-01-01 10:00:00.123456', '2024-01-01 12:00:00+02', '{\"k\": [1, 2]}', '{1,2,3}', "
               "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x0102', 3.5), "
               "(2, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null)")
    root = write_project(tmp_path, [pg_source(pg.facts, [{"name": "kinds", "ingest": {"table": "public.kinds"}}])])
    res = _ingest(root)
    assert res.rows == 2
    rows = table_rows(root, "raw", "kinds")
    assert rows[0] == (1, 9000000000, 7, Decimal("12.34"), 0.5, 2.5, 'a,"b"', "", True, datetime.date(2024, 2, 29),
                       datetime.datetime(2024, 1, 1, 10, 0, 0, 123456),
                       datetime.datetime(2024, 1, 1, 10, 0, tzinfo=UTC), '{"k": [1, 2]}', [1, 2, 3],
                       "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", b"\x01\x02", Decimal("3.500000000"))
    assert rows[1] == (2, *([None] * 16))


def test_incremental_appends_new_rows_and_survives_cursor_ties(pg, tmp_path):
    _orders(pg, 25)  # two rows per cursor value; batches of 3 rows would split ties
    src = {"name": "orders", "ingest": {"table": "public.orders", "mode": "incremental", "cursor": "updated_at"}}
    root = write_project(tmp_path, [pg_source(pg.facts, [src], batch_size=3)])
    assert _ingest(root).rows == 25
    pg.execute("insert into orders select i, i, null, timestamptz '2024-02-01 00:00:00+00' + (i / 4) * "
               "interval '1 minute', false from generate_series(26, 40) i")
    second = _ingest(root)
    assert second.rows == 15
    assert table_rows(root, "raw", "orders") == _source_rows(pg)
    assert _ingest(root).rows == 0  # nothing new: nothing written twice
    assert table_rows(root, "raw", "orders") == _source_rows(pg)


def test_merge_updates_and_soft_deletes(pg, tmp_path):
    _orders(pg, 12)
    src = {"name": "orders", "ingest": {"table": "public.orders", "mode": "merge", "cursor": "updated_at",
                                        "primary_key": ["order_id"],
                                        "soft_delete": {"column": "is_deleted", "value": True}}}
    root = write_project(tmp_path, [pg_source(pg.facts, [src], batch_size=4)])
    _ingest(root)
    pg.execute("update orders set amount = 0, updated_at = '2024-03-01+00' where order_id in (2, 11)")
    pg.execute("update orders set is_deleted = true, updated_at = '2024-03-02+00' where order_id in (3, 12)")
    pg.execute("insert into orders values (13, 1, 'new', '2024-03-03+00', false)")
    res = _ingest(root)
    assert "deleted 2" in res.message
    expected = [r for r in _source_rows(pg) if not r[4]]
    assert table_rows(root, "raw", "orders") == expected
    assert [r[0] for r in expected] == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 13]


def test_a_column_added_at_the_source_is_added_to_the_table(pg, tmp_path):
    _orders(pg, 4)
    src = {"name": "orders", "ingest": {"table": "public.orders", "mode": "incremental", "cursor": "updated_at"}}
    root = write_project(tmp_path, [pg_source(pg.facts, [src])])
    _ingest(root)
    pg.execute("alter table orders add column channel text")
    pg.execute("alter table orders alter column order_id type bigint")  # widened at the source
    pg.execute("insert into orders values (5, 5, null, '2024-05-01+00', false, 'web')")
    _ingest(root)
    assert table_columns(root, "raw", "orders") == ["order_id", "amount", "note", "updated_at", "is_deleted",
                                                    "channel"]
    rows = table_rows(root, "raw", "orders")
    assert [r[5] for r in rows] == [None, None, None, None, "web"]
    assert rows[-1][0] == 5


def test_contract_freeze_names_source_table_and_column(pg, tmp_path):
    _orders(pg, 3)
    src = {"name": "orders", "ingest": {"table": "public.orders", "mode": "incremental", "cursor": "updated_at"}}
    root = write_project(tmp_path, [pg_source(pg.facts, [src], contract="freeze")])
    _ingest(root)
    pg.execute("alter table orders add column channel text")
    with Workspace.load(root) as ws:
        result = ws.ingest()
    assert not result.success
    message = result.results[0].message
    assert "shop.orders" in message and "'channel'" in message and "freeze" in message


def test_contract_discard_row_quarantines(pg, tmp_path):
    _orders(pg, 3)
    src = {"name": "orders", "ingest": {"table": "public.orders", "mode": "incremental", "cursor": "updated_at"}}
    root = write_project(tmp_path, [pg_source(pg.facts, [src], contract="discard_row")])
    _ingest(root)
    pg.execute("alter table orders add column channel text")
    pg.execute("insert into orders values (4, 4, null, '2024-05-01+00', false, 'web'), "
               "(5, 5, null, '2024-05-02+00', false, null)")
    res = _ingest(root)
    assert res.rows == 1 and res.quarantined == 1
    assert [r[0] for r in table_rows(root, "raw", "orders")] == [1, 2, 3, 5]
    quarantine = table_rows(root, "raw", "orders__quarantine")
    assert len(quarantine) == 1 and quarantine[0][0] == "shop.orders" and quarantine[0][2] == "channel"
    assert '"order_id": 4' in quarantine[0][3]


def test_auth_failure_and_unreachable_host_name_the_source_not_the_secret(pg, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOP_PG_PASSWORD", "hunter2-secret")
    facts = {**pg.facts, "user": "nobody_here"}
    block = pg_source(facts, [{"name": "orders", "ingest": {"table": "public.orders"}}])
    block["ingest"]["connection"]["password"] = "{{ env_var('SHOP_PG_PASSWORD') }}"
    root = write_project(tmp_path / "auth", [block])
    with Workspace.load(root) as ws:
        msg = ws.ingest().results[0].message
    assert "postgres source 'shop.orders': authentication failed" in msg and "nobody_here" in msg
    assert "hunter2" not in msg
    dsn = f"postgresql://app:hunter2-secret@127.0.0.1:{_closed_port()}/shop"
    with pytest.raises(WeirError) as err:
        load(postgres.table(dsn, "public.orders", name="shop.orders"), "raw.orders", warehouse=str(tmp_path / "w"))
    assert "postgres source 'shop.orders': cannot connect" in str(err.value) and "hunter2" not in str(err.value)


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_build_runs_ingestion_before_the_model_that_reads_it(pg, tmp_path):
    _orders(pg, 6)
    src = {"name": "orders", "ingest": {"table": "public.orders", "mode": "merge", "primary_key": ["order_id"]},
           "columns": [{"name": "order_id", "tests": ["not_null", "unique"]}]}
    models = {"revenue": "{{ config(materialized='table') }}\n"
                         "select count(*) as orders, sum(amount) as revenue from {{ source('shop', 'orders') }}"}
    root = write_project(tmp_path, [pg_source(pg.facts, [src])], models)
    with Workspace.load(root) as ws:
        result = ws.build()
        order = [(r.resource_type, r.status) for r in result.results]
        assert result.success, [r.message for r in result.results]
        assert order[0] == ("ingest", "success") and ("model", "success") in order
        assert ws.query("select * from main.revenue").to_pylist() == [{"orders": 6, "revenue": Decimal("26.25")}]
    pg.execute("insert into orders values (7, 100, null, '2024-06-01+00', false)")
    with Workspace.load(root) as ws:
        assert ws.build(["source:shop+"]).success
        assert ws.query("select orders from main.revenue").to_pylist() == [{"orders": 7}]


def test_python_api_loads_into_a_project(pg, tmp_path):
    _orders(pg, 5)
    root = write_project(tmp_path, [{"name": "shop", "schema": "raw", "tables": [{"name": "orders"}]}],
                         {"n": "select count(*) as n from {{ source('shop', 'orders') }}"})
    src = postgres.table(pg.facts["dsn"], "public.orders", cursor="updated_at", primary_key=["order_id"])
    result = load(src, into="raw.orders", project=root)
    assert result.mode == "merge" and result.rows_written == 5
    assert table_rows(root, "raw", "orders") == _source_rows(pg)
