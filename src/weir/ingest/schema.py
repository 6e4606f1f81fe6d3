"""Schema handling of ingested tables: flattening, safe widening, and contracts.

Flattening: a struct column ``address`` with fields ``city`` and ``geo.lat`` becomes the
columns ``address__city`` and ``address__geo__lat`` (``parent__child``, recursively, two
underscores). Lists stay lists (of flattened-free element types they already have).

Widening (never loses a value): int8 -> int16 -> int32 -> int64; unsigned -> a signed
type with more bits; float32 -> float64; an integer of up to 32 bits -> float64; an
integer -> decimal(p, s) with ``p - s`` >= its digits; decimal(p1, s1) and decimal(p2, s2)
-> decimal(max integer digits + max scale, max scale) up to 38 digits; timestamps to the
finer unit (same time zone); date -> timestamp; anything -> string is *not* widening.

Contracts, for a table that already exists:

================  =========================  ==============================================
change            evolve                     freeze / discard_row
================  =========================  ==============================================
new column        added to the table         error / rows with a value there quarantined
wider type        table column widened       error / rows that don't fit quarantined
other type        error                      error / rows that don't cast quarantined
missing column    filled with nulls          filled with nulls (all contracts)
================  =========================  ==============================================

A batch column narrower than the table's (int32 into int64) is cast up under every contract.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from weir.ingest.base import ContractError

SEP = "__"
_INT_DIGITS = {8: 3, 16: 5, 32: 10, 64: 19}
_TS_UNITS = ("s", "ms", "us", "ns")


def flatten(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Struct columns become ``parent__child`` columns (recursively)."""
    if not any(pa.types.is_struct(f.type) for f in batch.schema):
        return batch
    names: list[str] = []
    arrays: list[pa.Array] = []

    def add(name: str, arr: pa.Array) -> None:
        if pa.types.is_struct(arr.type):
            for i, child in enumerate(arr.type):
                add(f"{name}{SEP}{child.name}", arr.field(i) if arr.null_count == 0 else
                    pc.if_else(arr.is_valid(), arr.field(i), pa.nulls(len(arr), child.type)))
        else:
            names.append(name)
            arrays.append(arr)

    for f, col in zip(batch.schema, batch.columns, strict=True):
        add(f.name, col)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def flatten_schema(schema: pa.Schema) -> pa.Schema:
    """The schema ``flatten`` gives batches of ``schema``."""
    out: list[pa.Field] = []

    def add(name: str, type_: pa.DataType) -> None:
        if pa.types.is_struct(type_):
            for child in type_:
                add(f"{name}{SEP}{child.name}", child.type)
        else:
            out.append(pa.field(name, type_))

    for f in schema:
        add(f.name, f.type)
    return pa.schema(out)


def _int_bits(t: pa.DataType) -> tuple[int, bool] | None:
    if pa.types.is_integer(t):
        return t.bit_width, pa.types.is_signed_integer(t)
    return None


def widen(old: pa.DataType, new: pa.DataType) -> pa.DataType | None:
    """The narrowest type holding every value of both, or None when there is none."""
    if old == new:
        return old
    if pa.types.is_null(old):
        return new
    if pa.types.is_null(new):
        return old
    for a, b in ((old, new), (new, old)):
        found = _widen_one_way(a, b)
        if found is not None:
            return found
    return None


def _widen_one_way(a: pa.DataType, b: pa.DataType) -> pa.DataType | None:
    ia, ib = _int_bits(a), _int_bits(b)
    if ia and ib:
        (abits, asigned), (bbits, bsigned) = ia, ib
        if asigned == bsigned:
            return _signed(max(abits, bbits)) if asigned else _unsigned(max(abits, bbits))
        return _signed(max(abits if asigned else abits * 2, bbits if bsigned else bbits * 2))
    if ia and pa.types.is_floating(b):
        return pa.float64() if ia[0] <= 32 else None
    if pa.types.is_floating(a) and pa.types.is_floating(b):
        return pa.float64()
    if ia and pa.types.is_decimal(b):
        digits = _INT_DIGITS[ia[0]] + (0 if ia[1] else 1)
        return _decimal(max(b.precision - b.scale, digits), b.scale)
    if pa.types.is_decimal(a) and pa.types.is_decimal(b):
        return _decimal(max(a.precision - a.scale, b.precision - b.scale), max(a.scale, b.scale))
    if pa.types.is_timestamp(a) and pa.types.is_timestamp(b) and a.tz == b.tz:
        return a if _TS_UNITS.index(a.unit) >= _TS_UNITS.index(b.unit) else b
    if pa.types.is_date(a) and pa.types.is_timestamp(b):
        return b
    if (pa.types.is_string(a) and pa.types.is_large_string(b)) or (pa.types.is_binary(a) and pa.types.is_large_binary(b)):
        return a
    return None


def _signed(bits: int) -> pa.DataType | None:
    return {8: pa.int8(), 16: pa.int16(), 32: pa.int32(), 64: pa.int64()}.get(bits) or (
        pa.decimal128(20, 0) if bits > 64 else None)


def _unsigned(bits: int) -> pa.DataType:
    return {8: pa.uint8(), 16: pa.uint16(), 32: pa.uint32()}.get(bits, pa.uint64())


def _decimal(integer_digits: int, scale: int) -> pa.DataType | None:
    return pa.decimal128(integer_digits + scale, scale) if integer_digits + scale <= 38 else None


@dataclass
class Quarantined:
    """Rows a contract refused, with why."""

    reason: str
    column: str | None
    rows: pa.Table


@dataclass
class Conformed:
    batch: pa.RecordBatch
    quarantined: list[Quarantined] = field(default_factory=list)


@dataclass
class Reconciled:
    """What a batch schema means for a table: the schema to write, and how to conform batches."""

    schema: pa.Schema  # the table's schema after this load (columns of batches written)
    widen_table: dict[str, pa.DataType] = field(default_factory=dict)  # existing columns to widen first
    new_columns: list[str] = field(default_factory=list)
    drop_columns: list[str] = field(default_factory=list)  # discard_row: values quarantined
    narrow_columns: dict[str, pa.DataType] = field(default_factory=dict)  # discard_row: failing rows quarantined

    @property
    def evolves(self) -> bool:
        return bool(self.new_columns or self.widen_table)


def reconcile(table: pa.Schema | None, incoming: pa.Schema, contract: str, where: str) -> Reconciled:
    """Compare a batch schema with the table's; raise ContractError for a refused change."""
    if table is None:
        return Reconciled(pa.schema([pa.field(f.name, f.type) for f in incoming]))
    existing = {f.name: f.type for f in table}
    out = Reconciled(table)
    fields = {f.name: f.type for f in table}
    for f in incoming:
        if f.name not in existing:
            if contract == "freeze":
                raise ContractError(f"{where}: new column {f.name!r} ({f.type}) is not in the table and the "
                                    "contract is freeze", hint="add it to the table (contract: evolve) or leave it "
                                    "out of the source query")
            if contract == "discard_row":
                out.drop_columns.append(f.name)
            else:
                out.new_columns.append(f.name)
                fields[f.name] = f.type
            continue
        old = existing[f.name]
        if old == f.type or pa.types.is_null(f.type):
            continue
        wide = widen(old, f.type)
        if wide == old:
            continue  # the batch is cast up
        if wide is not None and contract == "evolve":
            out.widen_table[f.name] = wide
            fields[f.name] = wide
            continue
        if contract == "discard_row":
            out.narrow_columns[f.name] = old
            continue
        change = "widened" if wide is not None else "changed type"
        raise ContractError(
            f"{where}: column {f.name!r} {change} from {old} to {f.type} and the contract is {contract}",
            hint="rebuild the table with --full-refresh, or cast the column in the source query")
    out.schema = pa.schema([pa.field(n, t) for n, t in fields.items()])
    return out


def conform(batch: pa.RecordBatch, plan: Reconciled) -> Conformed:
    """``batch`` shaped to ``plan.schema``; rows refused by a discard_row contract split off."""
    quarantined: list[Quarantined] = []
    keep = pa.array([True] * batch.num_rows) if (plan.drop_columns or plan.narrow_columns) else None
    for name in plan.drop_columns:
        has = pc.is_valid(batch.column(name))
        bad = pc.and_(keep, has)
        if pc.any(bad).as_py():
            quarantined.append(Quarantined(f"new column {name!r} is not in the table (contract discard_row)",
                                           name, pa.Table.from_batches([batch.filter(bad)])))
            keep = pc.and_(keep, pc.invert(has))
    for name, type_ in plan.narrow_columns.items():
        ok = _castable(batch.column(name), type_)
        bad = pc.and_(keep, pc.invert(ok))
        if pc.any(bad).as_py():
            quarantined.append(Quarantined(f"value does not fit column {name!r} of type {type_} (contract "
                                           "discard_row)", name, pa.Table.from_batches([batch.filter(bad)])))
            keep = pc.and_(keep, ok)
    if keep is not None:
        batch = batch.filter(keep)
    arrays = []
    for f in plan.schema:
        if f.name in batch.schema.names:
            col = batch.column(f.name)
            arrays.append(col if col.type == f.type else pc.cast(col, f.type, safe=f.name not in plan.narrow_columns))
        else:
            arrays.append(pa.nulls(batch.num_rows, f.type))
    return Conformed(pa.RecordBatch.from_arrays(arrays, schema=plan.schema), quarantined)


def _castable(arr: pa.Array, type_: pa.DataType) -> pa.Array:
    """A boolean mask: which values cast to ``type_`` without loss (nulls do)."""
    try:
        pc.cast(arr, type_, safe=True)
        return pa.array([True] * len(arr))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    out = []
    for v in arr:
        try:
            pc.cast(pa.array([v.as_py()], arr.type), type_, safe=True)
            out.append(True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            out.append(False)
    return pa.array(out)


QUARANTINE_SCHEMA = pa.schema([
    ("source", pa.string()), ("reason", pa.string()), ("column_name", pa.string()), ("payload", pa.string()),
    ("run_id", pa.string()), ("quarantined_at", pa.timestamp("us", tz="UTC")),
])


def quarantine_batch(items: list[Quarantined], source: str, run_id: str, at: Any) -> pa.RecordBatch:
    """Rows for the ``<table>__quarantine`` table: source, reason, column, payload (JSON)."""
    cols: dict[str, list[Any]] = {n: [] for n in QUARANTINE_SCHEMA.names}
    for q in items:
        for row in q.rows.to_pylist():
            cols["source"].append(source)
            cols["reason"].append(q.reason)
            cols["column_name"].append(q.column)
            cols["payload"].append(json.dumps(row, default=str, sort_keys=True))
            cols["run_id"].append(run_id)
            cols["quarantined_at"].append(at)
    return pa.RecordBatch.from_pydict(cols, schema=QUARANTINE_SCHEMA)
