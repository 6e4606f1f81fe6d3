"""PostgreSQL's two read paths against a real server: ADBC (binary COPY into Arrow, read
in a thread ahead of the writer) and the CSV COPY fallback give the same tables, keep the
incremental semantics, and fail with errors that name the source and leave no session
behind."""

from __future__ import annotations

import datetime
import time
from collections.abc import Generator
from decimal import Decimal
from typing import Any

import duckdb
import psycopg
import pytest

from weir.errors import WeirError
from weir.formats.delta import DeltaFormat
from weir.ingest import postgres, postgres_adbc
from weir.ingest.loader import load
from weir.sql.relation import Relation

pytestmark = pytest.mark.integration

READERS = ["adbc", "csv"]

_KINDS = """create table kinds (id int, big bigint, small smallint, price numeric(12,2), neg numeric(10,3),
    free numeric, wide numeric(50,2), ratio real, x double precision, label text, padded char(3), flag boolean,
    day date, at timestamp, at_tz timestamptz, doc jsonb, j json, ids int[], tags text[], nums numeric(5,1)[],
    fl float8[], uid uuid, raw bytea, iv interval, t time, o oid)"""
_ROW = """insert into kinds values (1, 9000000000, 7, 12.34, -0.5, 3.5, 123456789012345678901234567890.12, 0.5,
    2.5, 'a,"b"', 'ab', true, '2024-02-29', '2024-01-01 10:00:00.123456', '2024-01-01 12:00:00+02',
    '{"k": [1, 2]}', '[1, 2]', '{1,2,3}', '{a,"b c"}', '{1.5,null}', '{1.5}',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x0102', '1 day 2 hours', '10:00', 3000000000)"""
_NULLS = "insert into kinds (id) values (2)"


def _load(pg: Any, tmp_path: Any, reader: str, table: str = "public.kinds", **kw: Any) -> Any:
    src = postgres.table(pg.facts["dsn"], table, reader=reader, name="shop." + table.split(".")[-1],
                         **{k: v for k, v in kw.items() if k in ("cursor", "primary_key", "batch_size", "query")})
    return load(src, into="raw.t", warehouse=str(tmp_path / reader), **{k: v for k, v in kw.items() if k == "mode"})


def _rows(tmp_path: Any, reader: str) -> list[tuple[Any, ...]]:
    """Rows of raw.t in the warehouse of ``reader``, through DuckDB."""
    con = duckdb.connect()
    try:
        sql = DeltaFormat(str(tmp_path / reader)).scan_sql(Relation("raw", "t"))
        return con.execute(f"select * from ({sql}) order by 1").fetchall()
    finally:
        con.close()


def test_both_readers_load_every_type_the_same(pg, tmp_path):
    pg.execute(_KINDS)
    pg.execute(_ROW)
    pg.execute(_NULLS)
    for reader in READERS:
        assert _load(pg, tmp_path, reader).rows_written == 2
    adbc, csv = _rows(tmp_path, "adbc"), _rows(tmp_path, "csv")
    assert adbc == csv
    assert adbc[0][:7] == (1, 9000000000, 7, Decimal("12.34"), Decimal("-0.500"), Decimal("3.500000000"),
                           "123456789012345678901234567890.12")
    assert adbc[0][12:15] == (datetime.date(2024, 2, 29), datetime.datetime(2024, 1, 1, 10, 0, 0, 123456),
                              datetime.datetime(2024, 1, 1, 10, 0, tzinfo=datetime.UTC))
    assert adbc[0][17:21] == ([1, 2, 3], ["a", "b c"], [Decimal("1.5"), None], [1.5])
    assert adbc[0][21:] == ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", b"\x01\x02", "P1DT2H", "10:00:00", 3000000000)
    assert adbc[1] == (2, *([None] * 25))


@pytest.mark.parametrize("reader", READERS)
def test_incremental_ties_and_reruns_on_each_reader(pg, tmp_path, reader):
    # 5 rows share each cursor value; 3-row batches would split every group
    pg.execute("create table ev (id int primary key, amount numeric(10,2), at timestamptz not null)")
    pg.execute("insert into ev select i, i / 4.0, timestamptz '2024-01-01 00:00:00+00' + (i / 5) * interval '1 hour' "
               "from generate_series(1, 40) i")
    first = _load(pg, tmp_path, reader, "public.ev", cursor="at", batch_size=3, mode="incremental")
    assert first.rows_written == 40 and len(first.commits) > 5
    pg.execute("insert into ev select i, 0, timestamptz '2024-01-02 00:00:00+00' + (i / 3) * interval '1 hour' "
               "from generate_series(41, 47) i")
    second = _load(pg, tmp_path, reader, "public.ev", cursor="at", batch_size=3, mode="incremental")
    assert second.rows_written == 7
    assert _rows(tmp_path, reader) == pg.execute("select id, amount, at from ev order by id").fetchall()
    assert _load(pg, tmp_path, reader, "public.ev", cursor="at", batch_size=3, mode="incremental").rows_written == 0


def _sessions(pg: Any) -> int:
    """Other sessions on the test's database, once closed ones have gone (a backend leaves
    pg_stat_activity shortly after its client hangs up; waits up to 10 s for that)."""
    deadline = time.monotonic() + 10
    while True:
        row = pg.execute("select count(*) from pg_stat_activity where datname = current_database() "
                         "and pid <> pg_backend_pid()").fetchone()
        if int(row[0]) == 0 or time.monotonic() > deadline:
            return int(row[0])
        time.sleep(0.05)


def test_an_error_mid_stream_names_the_source_and_leaves_no_session(pg, tmp_path):
    # row 50 000 divides by zero: the server fails after batches have been read and written
    query = "select i as id, 10 / (50000 - i) as x from generate_series(1, 60000) i"
    src = postgres.table(pg.facts["dsn"], query=query, name="shop.broken", reader="adbc", batch_size=1000)
    with pytest.raises(WeirError) as err:
        load(src, into="raw.t", warehouse=str(tmp_path / "w"), mode="full")
    assert "postgres source shop.broken: reading failed" in str(err.value)
    assert "division by zero" in str(err.value)
    assert _sessions(pg) == 0


def test_a_writer_that_stops_early_closes_the_reader(pg, tmp_path):
    pg.execute("create table big (id int, pad text)")
    pg.execute("insert into big select i, repeat('x', 200) from generate_series(1, 200000) i")
    src = postgres.table(pg.facts["dsn"], "public.big", reader="adbc", batch_size=1000)
    batches = src.read({})
    assert isinstance(batches, Generator)
    assert next(batches).num_rows == 1000
    batches.close()  # what the loader's writer does when it fails
    assert _sessions(pg) == 0


@pytest.mark.parametrize("reader", READERS)
def test_a_value_arrow_cannot_take_names_the_source_on_each_reader(pg, tmp_path, reader):
    pg.execute("create table prices (id int, price numeric(12,2))")
    pg.execute("insert into prices values (1, 1.5), (2, 'NaN')")
    with pytest.raises(WeirError) as err:
        _load(pg, tmp_path, reader, "public.prices")
    assert "postgres source shop.prices: reading failed" in str(err.value) and "NaN" in str(err.value)
    assert _sessions(pg) == 0


def _split_table(pg: Any, rows: int = 30_000) -> None:
    pg.execute("create table wide (id int, v int, pad text)")
    pg.execute(f"insert into wide select i, i % 100, md5(i::text) from generate_series(1, {rows}) i")


def test_a_table_split_over_streams_loads_every_row_once(pg, tmp_path, monkeypatch):
    _split_table(pg)
    monkeypatch.setattr(postgres_adbc, "MIN_PAGES_PER_STREAM", 10)  # split even this small table
    src = postgres.table(pg.facts["dsn"], "public.wide", reader="adbc", streams=3, batch_size=4000)
    with postgres_adbc.shared_snapshot(src) as (snapshot, ranges):
        assert snapshot and len(ranges) == 3
    assert load(src, into="raw.t", warehouse=str(tmp_path / "adbc")).rows_written == 30_000
    assert _rows(tmp_path, "adbc") == pg.execute("select * from wide order by 1").fetchall()
    assert _sessions(pg) == 0


def test_streams_read_one_snapshot_while_the_table_changes(pg, tmp_path, monkeypatch):
    _split_table(pg)
    before = pg.execute("select * from wide order by 1").fetchall()
    monkeypatch.setattr(postgres_adbc, "MIN_PAGES_PER_STREAM", 10)
    real_connect, opened = postgres_adbc.connect, []

    def connect_after_an_update(info: str, snapshot: str | None = None) -> Any:
        opened.append(snapshot)
        if len(opened) == 2:  # every row moves to a new ctid before this stream starts
            with psycopg.connect(pg.facts["dsn"], autocommit=True) as other:
                other.execute("update wide set v = v + 1000")
        return real_connect(info, snapshot)

    monkeypatch.setattr(postgres_adbc, "connect", connect_after_an_update)
    src = postgres.table(pg.facts["dsn"], "public.wide", reader="adbc", streams=2)
    load(src, into="raw.t", warehouse=str(tmp_path / "adbc"))
    assert len(opened) == 2 and opened[0] == opened[1] is not None
    assert _rows(tmp_path, "adbc") == before  # no row twice, none lost, none changed


def test_a_read_in_cursor_order_is_one_stream(pg):
    _split_table(pg, 100)
    src = postgres.table(pg.facts["dsn"], "public.wide", cursor="id", streams=4)
    with postgres_adbc.shared_snapshot(src) as plan:
        assert plan == (None, [""])
