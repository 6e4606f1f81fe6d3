"""The PostgreSQL source's columnar read path without a server: the reader thread
(``pipe.prefetch``), the SELECT list ADBC reads, connection strings and the casts of ADBC's
batches to weir's types."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pyarrow as pa
import pytest

from weir.errors import ConfigError, MissingExtraError
from weir.ingest import postgres, postgres_adbc
from weir.ingest.pipe import merge, prefetch
from weir.ingest.postgres import arrow_type

# -- prefetch ---------------------------------------------------------------------------------


def test_prefetch_yields_everything_in_order_from_another_thread():
    threads: list[str] = []

    def items() -> Iterator[int]:
        for i in range(50):
            threads.append(threading.current_thread().name)
            yield i

    assert list(prefetch(items(), depth=3, name="reader-x")) == list(range(50))
    assert set(threads) == {"reader-x"}


def test_prefetch_reraises_the_producers_error_as_itself():
    def items() -> Iterator[int]:
        yield 1
        raise ValueError("row 2 is broken")

    got = []
    with pytest.raises(ValueError, match="row 2 is broken"):
        for item in prefetch(items()):
            got.append(item)
    assert got == [1]


def test_prefetch_reads_at_most_depth_items_ahead():
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(100):
            produced.append(i)
            yield i

    it = prefetch(items(), depth=2)
    assert next(it) == 0
    time.sleep(0.3)  # let the producer run as far as the queue allows
    # one taken, two queued, one waiting to be put
    assert len(produced) <= 4
    it.close()


def test_closing_early_stops_the_producer_and_closes_its_iterator_in_its_thread():
    closed_in: list[str] = []

    def items() -> Iterator[int]:
        try:
            yield from range(1_000_000)
        finally:
            closed_in.append(threading.current_thread().name)

    it = prefetch(items(), depth=2, name="reader-y")
    assert [next(it), next(it)] == [0, 1]
    it.close()  # what a failing writer does to the generator it was reading
    assert closed_in == ["reader-y"]
    assert not any(t.name == "reader-y" for t in threading.enumerate())


# -- the SELECT list, connection strings -------------------------------------------------------


@pytest.mark.parametrize(("display", "expected"), [
    ("int4", '"c"'),
    ("numeric(12,2)", '"c"::text'),
    ("numeric", '"c"::numeric(38,9)::text'),
    ("numeric(5,1)[]", '"c"::text[]'),
    ("numeric[]", '"c"::numeric(38,9)[]::text[]'),
    ("int8[]", '"c"'),
    ("jsonb", '"c"::text'),
    ("uuid", '"c"::text'),
    ("interval", '"c"::text'),
    ("oid", '"c"::int8'),
    ("timestamptz", '"c"'),
    ("bytea", '"c"'),
])
def test_the_server_casts_what_adbc_would_read_differently(display, expected):
    _, how = arrow_type(display)
    assert postgres_adbc.server_expression('"c"', how, display) == expected


def test_numeric_arrays_with_precision_map_to_lists_of_decimals():
    assert arrow_type("numeric(5,1)[]") == (pa.list_(pa.decimal128(5, 1)), "json")
    assert arrow_type("numeric[]") == (pa.list_(pa.decimal128(38, 9)), "json")


def test_conninfo_keeps_the_users_settings_and_adds_the_session_options():
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(postgres_adbc.conninfo("postgresql://app:s3cret@db:6543/shop?options=-c%20work_mem%3D64MB"))
    assert (info["host"], info["port"], info["user"], info["password"], info["dbname"]) == \
        ("db", "6543", "app", "s3cret", "shop")
    assert info["options"] == "-c work_mem=64MB " + postgres_adbc.SESSION_OPTIONS
    mapped = conninfo_to_dict(postgres_adbc.conninfo({"host": "h", "port": 5432, "user": "u", "dbname": "d"}))
    assert mapped["port"] == "5432" and mapped["connect_timeout"] == "10"
    assert mapped["options"] == postgres_adbc.SESSION_OPTIONS


# -- casting ADBC's batches ------------------------------------------------------------------------


def test_batches_are_cast_to_weirs_types():
    batch = pa.record_batch({
        "amount": pa.array(["12.34", None, "-0.50"]),
        "nums": pa.array([["1.5", None], None, []], type=pa.list_(pa.string())),
        "at": pa.array([0, None, 1_000_000], type=pa.timestamp("us", tz="Europe/Paris")),
        "id": pa.array([1, 2, 3], type=pa.int32()),
    })
    schema = pa.schema([("amount", pa.decimal128(12, 2)), ("nums", pa.list_(pa.decimal128(5, 1))),
                        ("at", pa.timestamp("us", tz="UTC")), ("id", pa.int32())])
    out = postgres_adbc.to_schema(batch, schema)
    assert out.schema == schema
    assert out.column("amount").to_pylist() == [Decimal("12.34"), None, Decimal("-0.50")]
    assert out.column("nums").to_pylist() == [[Decimal("1.5"), None], None, []]
    assert out.column("at").cast(pa.int64()).to_pylist() == [0, None, 1_000_000]  # same instants


def test_extension_columns_are_read_through_their_storage():
    opaque = pa.opaque(pa.string(), type_name="numeric", vendor_name="PostgreSQL")
    col = pa.ExtensionArray.from_storage(opaque, pa.array(["3.500000000", None]))
    out = postgres_adbc.to_schema(pa.record_batch([col], names=["free"]), pa.schema([("free", pa.decimal128(38, 9))]))
    assert out.column(0).to_pylist() == [Decimal("3.5"), None]


# -- choosing the reader ------------------------------------------------------------------------


def test_reader_is_checked_and_a_missing_driver_names_the_extra(monkeypatch):
    with pytest.raises(ConfigError, match="unknown reader 'fast'"):
        postgres.table("postgresql://u@h/d", "t", reader="fast")
    monkeypatch.setattr(postgres_adbc, "available", lambda: False)
    assert not postgres.table("postgresql://u@h/d", "t").uses_adbc()  # auto falls back to CSV
    with pytest.raises(MissingExtraError, match="postgres"):
        postgres.table("postgresql://u@h/d", "t", reader="adbc").uses_adbc()


# -- several COPY streams ------------------------------------------------------------------------


def test_merge_yields_every_item_of_every_producer_once():
    out = list(merge([iter(range(0, 100)), iter(range(100, 150)), iter([])], depth=2))
    assert sorted(out) == list(range(150))


def test_merge_stops_the_other_producers_when_one_fails():
    closed: list[str] = []

    def endless() -> Iterator[int]:
        try:
            while True:
                yield 0
        finally:
            closed.append("endless")

    def broken() -> Iterator[int]:
        yield 1
        raise RuntimeError("stream 2 lost its connection")

    with pytest.raises(RuntimeError, match="stream 2 lost"):
        for _ in merge([endless(), broken()], depth=1):
            pass
    assert closed == ["endless"]


@pytest.mark.parametrize("streams", [2, 3, 4])
def test_ctid_ranges_cover_every_page_once(streams):
    pages = 1001
    ranges = postgres_adbc.ctid_ranges(pages, streams)
    assert len(ranges) == streams
    assert ranges[0].startswith("ctid < ") and ranges[-1].startswith("ctid >= ")  # open-ended ends

    def bounds(pred: str) -> tuple[int, int]:
        nums = [int(part.split("'(")[1].split(",")[0]) for part in pred.split(" and ")]
        if pred.startswith("ctid < "):
            return 0, nums[0]
        return nums[0], nums[1] if len(nums) == 2 else 10**9

    covered = [bounds(p) for p in ranges]
    assert covered[0][0] == 0 and covered[-1][1] == 10**9
    assert all(a[1] == b[0] for a, b in itertools.pairwise(covered))  # adjacent, no gap, no overlap
