"""Schema handling of ingested tables: widening, contracts, flattening, quarantine rows."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from weir.ingest.base import ContractError
from weir.ingest.schema import conform, flatten, flatten_schema, quarantine_batch, reconcile, widen


@pytest.mark.parametrize(("old", "new", "wide"), [
    (pa.int32(), pa.int64(), pa.int64()),
    (pa.int64(), pa.int16(), pa.int64()),
    (pa.uint32(), pa.int32(), pa.int64()),
    (pa.float32(), pa.float64(), pa.float64()),
    (pa.int32(), pa.float64(), pa.float64()),
    (pa.int32(), pa.decimal128(12, 2), pa.decimal128(12, 2)),
    (pa.int64(), pa.decimal128(12, 2), pa.decimal128(21, 2)),
    (pa.decimal128(10, 2), pa.decimal128(12, 4), pa.decimal128(12, 4)),
    (pa.decimal128(10, 0), pa.decimal128(10, 5), pa.decimal128(15, 5)),
    (pa.timestamp("ms"), pa.timestamp("us"), pa.timestamp("us")),
    (pa.date32(), pa.timestamp("us"), pa.timestamp("us")),
    (pa.null(), pa.string(), pa.string()),
])
def test_safe_widening(old, new, wide):
    assert widen(old, new) == wide
    assert widen(new, old) == wide


@pytest.mark.parametrize(("old", "new"), [
    (pa.int64(), pa.string()),
    (pa.int64(), pa.float64()),  # float64 cannot hold every int64
    (pa.timestamp("us"), pa.timestamp("us", tz="UTC")),
    (pa.decimal128(30, 10), pa.decimal128(30, 0)),  # would need 40 digits
    (pa.bool_(), pa.int32()),
])
def test_no_widening_between_incompatible_types(old, new):
    assert widen(old, new) is None


TABLE = pa.schema([("id", pa.int64()), ("amount", pa.int32())])


def test_first_load_takes_the_source_schema():
    plan = reconcile(None, pa.schema([("id", pa.int32()), ("s", pa.string())]), "freeze", "shop.orders")
    assert plan.schema.names == ["id", "s"]


def test_evolve_adds_columns_and_widens_the_table():
    incoming = pa.schema([("id", pa.int32()), ("amount", pa.int64()), ("note", pa.string())])
    plan = reconcile(TABLE, incoming, "evolve", "shop.orders")
    assert plan.new_columns == ["note"]
    assert plan.widen_table == {"amount": pa.int64()}
    assert plan.schema == pa.schema([("id", pa.int64()), ("amount", pa.int64()), ("note", pa.string())])
    batch = pa.record_batch({"id": pa.array([1], pa.int32()), "amount": pa.array([5], pa.int64()),
                             "note": ["hi"]})
    out = conform(batch, plan).batch
    assert out.schema == plan.schema and out.to_pylist() == [{"id": 1, "amount": 5, "note": "hi"}]


def test_freeze_names_source_and_column_of_a_new_column():
    incoming = pa.schema([("id", pa.int64()), ("amount", pa.int32()), ("note", pa.string())])
    with pytest.raises(ContractError, match=r"shop\.orders.*new column 'note'.*freeze"):
        reconcile(TABLE, incoming, "freeze", "shop.orders")


def test_freeze_and_evolve_refuse_an_incompatible_type():
    incoming = pa.schema([("id", pa.string()), ("amount", pa.int32())])
    for contract in ("freeze", "evolve"):
        with pytest.raises(ContractError, match=r"column 'id' changed type from int64 to string"):
            reconcile(TABLE, incoming, contract, "shop.orders")


def test_a_narrower_source_column_is_cast_up_under_every_contract():
    incoming = pa.schema([("id", pa.int16()), ("amount", pa.int8())])
    for contract in ("freeze", "evolve", "discard_row"):
        plan = reconcile(TABLE, incoming, contract, "t")
        batch = pa.record_batch({"id": pa.array([1], pa.int16()), "amount": pa.array([2], pa.int8())})
        assert conform(batch, plan).batch.schema == TABLE


def test_discard_row_quarantines_rows_that_do_not_fit():
    incoming = pa.schema([("id", pa.int64()), ("amount", pa.int64()), ("note", pa.string())])
    plan = reconcile(TABLE, incoming, "discard_row", "shop.orders")
    batch = pa.record_batch({"id": pa.array([1, 2, 3, 4], pa.int64()),
                             "amount": pa.array([1, 2**40, 3, 4], pa.int64()),
                             "note": [None, None, "x", None]})
    done = conform(batch, plan)
    assert done.batch.to_pylist() == [{"id": 1, "amount": 1}, {"id": 4, "amount": 4}]
    reasons = {q.column: q.rows.column("id").to_pylist() for q in done.quarantined}
    assert reasons == {"note": [3], "amount": [2]}
    rows = quarantine_batch(done.quarantined, "shop.orders", "r1", None).to_pylist()
    assert {r["column_name"] for r in rows} == {"note", "amount"}
    assert json.loads(rows[0]["payload"])["note"] == "x"
    assert all(r["source"] == "shop.orders" and r["run_id"] == "r1" for r in rows)


def test_missing_columns_are_filled_with_nulls():
    plan = reconcile(TABLE, pa.schema([("id", pa.int64())]), "freeze", "t")
    out = conform(pa.record_batch({"id": pa.array([7], pa.int64())}), plan).batch
    assert out.to_pylist() == [{"id": 7, "amount": None}]


def test_nested_structs_flatten_to_parent__child_columns():
    geo = pa.struct([("lat", pa.float64()), ("lon", pa.float64())])
    address = pa.struct([("city", pa.string()), ("geo", geo)])
    batch = pa.record_batch({
        "id": [1, 2],
        "address": pa.array([{"city": "Oslo", "geo": {"lat": 59.9, "lon": 10.7}}, None], type=address),
        "tags": pa.array([["a"], []], type=pa.list_(pa.string())),
    })
    flat = flatten(batch)
    assert flat.schema.names == ["id", "address__city", "address__geo__lat", "address__geo__lon", "tags"]
    assert flat.to_pylist()[0] == {"id": 1, "address__city": "Oslo", "address__geo__lat": 59.9,
                                   "address__geo__lon": 10.7, "tags": ["a"]}
    assert flat.to_pylist()[1]["address__city"] is None
    assert flatten_schema(batch.schema) == flat.schema
