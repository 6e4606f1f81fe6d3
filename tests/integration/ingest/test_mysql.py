"""MySQL/MariaDB ingestion against a real MariaDB: types, incremental, merge with soft
deletes, and an authentication failure that names the source but not the password."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from conftest import table_rows, write_project

from weir.workspace import Workspace

pytestmark = pytest.mark.integration


@pytest.fixture
def my(mysql_database: dict[str, Any]) -> Any:
    import pymysql

    conn = pymysql.connect(host=mysql_database["host"], port=mysql_database["port"], user=mysql_database["user"],
                           password=mysql_database["password"], database=mysql_database["dbname"], autocommit=True)
    conn.facts = mysql_database  # type: ignore[attr-defined]
    yield conn
    conn.close()


def _exec(conn: Any, *sql: str) -> None:
    with conn.cursor() as cur:
        for s in sql:
            cur.execute(s)


def _source(facts: dict[str, Any], tables: list[dict[str, Any]], **ingest: Any) -> dict[str, Any]:
    conn = {"host": facts["host"], "port": facts["port"], "user": facts["user"], "password": facts["password"],
            "dbname": facts["dbname"]}
    return {"name": "shop", "schema": "raw", "ingest": {"type": "mysql", "connection": conn, **ingest},
            "tables": tables}


def _ingest(root: Any) -> Any:
    with Workspace.load(root) as ws:
        result = ws.ingest()
    assert result.success, [r.message for r in result.results]
    return result.results[0]


def test_types_and_incremental(my, tmp_path):
    _exec(my, "create table orders (id int unsigned primary key, big bigint, price decimal(12,2), label varchar(20), "
              "flag tinyint(1), day date, at datetime(6), doc json, raw varbinary(8), updated_at int not null)",
          "insert into orders values (1, 9000000000, 12.34, 'a', 1, '2024-02-29', '2024-01-01 10:00:00.123456', "
          "'{\"k\": 1}', x'0102', 1), (2, null, null, '', null, null, null, null, null, 1), "
          "(3, 3, 3, 'c', 0, '2024-01-03', '2024-01-03 00:00:00', null, null, 2)")
    src = {"name": "orders", "ingest": {"table": "orders", "mode": "incremental", "cursor": "updated_at"}}
    root = write_project(tmp_path, [_source(my.facts, [src], batch_size=1)])
    assert _ingest(root).rows == 3
    rows = table_rows(root, "raw", "orders")
    assert rows[0] == (1, 9000000000, Decimal("12.34"), "a", 1, datetime.date(2024, 2, 29),
                       datetime.datetime(2024, 1, 1, 10, 0, 0, 123456), '{"k": 1}', b"\x01\x02", 1)
    assert rows[1] == (2, None, None, "", None, None, None, None, None, 1)
    _exec(my, "insert into orders (id, label, updated_at) values (4, 'd', 3), (5, 'e', 3)")
    assert _ingest(root).rows == 2
    assert [r[0] for r in table_rows(root, "raw", "orders")] == [1, 2, 3, 4, 5]


def test_merge_with_soft_deletes(my, tmp_path):
    _exec(my, "create table users (id int primary key, name text, deleted bool not null default false, "
              "updated_at timestamp(3) not null)",
          "insert into users values (1, 'a', false, '2024-01-01 00:00:00'), (2, 'b', false, '2024-01-01 00:00:01'), "
          "(3, 'c', false, '2024-01-01 00:00:02')")
    src = {"name": "users", "ingest": {"table": "users", "mode": "merge", "cursor": "updated_at",
                                       "primary_key": ["id"], "soft_delete": {"column": "deleted", "value": 1}}}
    root = write_project(tmp_path, [_source(my.facts, [src])])
    _ingest(root)
    _exec(my, "update users set name = 'B', updated_at = '2024-02-01 00:00:00' where id = 2",
          "update users set deleted = true, updated_at = '2024-02-01 00:00:00' where id = 3")
    res = _ingest(root)
    assert "deleted 1" in res.message
    assert [(r[0], r[1]) for r in table_rows(root, "raw", "users")] == [(1, "a"), (2, "B")]
    assert table_rows(root, "raw", "users")[1][3] == datetime.datetime(2024, 2, 1, tzinfo=datetime.UTC)


def test_auth_failure_names_the_source_not_the_password(my, tmp_path, monkeypatch):
    _exec(my, "create user if not exists 'weir_app'@'%' identified by 'right-pw'")
    monkeypatch.setenv("SHOP_MY_PASSWORD", "wrong-secret-pw")
    facts = {**my.facts, "user": "weir_app", "password": "{{ env_var('SHOP_MY_PASSWORD') }}"}
    root = write_project(tmp_path, [_source(facts, [{"name": "orders", "ingest": {"table": "orders"}}])])
    with Workspace.load(root) as ws:
        msg = ws.ingest().results[0].message
    assert "mysql source 'shop.orders': authentication failed" in msg and "weir_app" in msg
    assert "wrong-secret-pw" not in msg
