"""Iceberg schema handling for weir's writes: Arrow types Iceberg can hold, schema
evolution (add columns, widen types), a full schema replacement for a rebuilt table, and
the rows of a merge that updates only some columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from weir.formats.duck_types import q


def _iceberg_type(t: pa.DataType) -> pa.DataType:
    """The Arrow type pyiceberg writes for ``t``: microsecond timestamps in UTC, no views
    or dictionaries."""
    if pa.types.is_timestamp(t):
        return pa.timestamp("us", tz="UTC" if t.tz else None)  # type: ignore[attr-defined]
    if pa.types.is_dictionary(t):
        return _iceberg_type(t.value_type)  # type: ignore[attr-defined]
    if pa.types.is_string_view(t):
        return pa.large_string()
    if pa.types.is_binary_view(t):
        return pa.large_binary()
    if pa.types.is_time(t):
        return pa.time64("us")
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        inner = t.value_field  # type: ignore[attr-defined]
        return pa.list_(inner.with_type(_iceberg_type(inner.type)))
    if pa.types.is_struct(t):
        return pa.struct([f.with_type(_iceberg_type(f.type)) for f in t])  # type: ignore[attr-defined]
    return t


def conform(data: pa.RecordBatchReader | pa.Table) -> pa.RecordBatchReader:
    """``data`` streamed with the types Iceberg can store (cast batch by batch)."""
    reader = data.to_reader() if isinstance(data, pa.Table) else data
    target = pa.schema([f.with_type(_iceberg_type(f.type)) for f in reader.schema])
    if target.equals(reader.schema):
        return reader
    return pa.RecordBatchReader.from_batches(target, (b.cast(target, safe=False) for b in reader))


def _to_iceberg(schema: pa.Schema) -> Any:
    from pyiceberg.catalog import Catalog

    return Catalog._convert_schema_if_needed(schema)


def evolve(tx: Any, schema: pa.Schema) -> None:
    """Add the columns of ``schema`` the table lacks and widen types (int -> long, ...)."""
    with tx.update_schema() as update:
        update.union_by_name(schema)


def replace_schema(tx: Any, schema: pa.Schema) -> None:
    """Make the table's schema exactly ``schema`` (names, types, order) for a full rewrite:
    columns gone or retyped are dropped (their old files are replaced anyway)."""
    current = tx.table_metadata.schema()
    new = _to_iceberg(schema)
    new_types = {f.name: f.field_type for f in new.fields}
    stale = [f.name for f in current.fields if new_types.get(f.name) != f.field_type]
    if [f.name for f in current.fields] == schema.names and not stale:
        return
    if stale:
        with tx.update_schema(allow_incompatible_changes=True) as update:
            for name in stale:
                update.delete_column(name)
    with tx.update_schema() as update:
        update.union_by_name(schema)
    with tx.update_schema() as update:
        previous = None
        for name in schema.names:
            if previous is None:
                update.move_first(name)
            else:
                update.move_after(name, previous)
            previous = name


def matched_update(target_rows: pa.Table, batch: pa.Table, keys: Sequence[str],
                   update_columns: Sequence[str]) -> pa.Table:
    """The rows that replace ``target_rows`` (the table's rows matching the batch's keys)
    plus the batch's new keys: matched rows take only ``update_columns`` from the batch."""
    import duckdb

    cols = batch.schema.names
    updated = {c.lower() for c in update_columns}
    on = " and ".join(f"t.{q(k)} = s.{q(k)}" for k in keys)
    picks = ", ".join(f"s.{q(c)}" if c.lower() in updated else f"t.{q(c)}" for c in cols)
    plain = ", ".join(f"s.{q(c)}" for c in cols)
    con = duckdb.connect()
    try:
        con.register("t", target_rows.select(cols) if set(cols) <= set(target_rows.schema.names) else target_rows)
        con.register("s", batch)
        sql = (f"select {picks} from s join t on {on} "
               f"union all select {plain} from s where not exists (select 1 from t where {on})")
        return con.sql(sql).to_arrow_table().cast(batch.schema)
    finally:
        con.close()


__all__ = ["conform", "evolve", "matched_update", "replace_schema"]
