"""The contract every ingestion source implements, the load options, and ingest errors.

A source is anything with a name, an optional cursor column and these four methods
(see ``weir.ingest`` for the full guide to writing one)::

    schema() -> pa.Schema                        # Arrow schema of the batches read() yields
    read(state) -> Iterator[pa.RecordBatch]      # bounded batches; resume from ``state``
    next_state(state, batch) -> dict             # the position after ``batch`` (JSON-able)
    describe() -> str                            # "postgres source shop.orders (app@db:5432/shop)"

Optional, for sources that keep their own position (files, APIs)::

    tracks_position: bool                        # True: mode incremental needs no cursor column
    prepare(state) -> None                       # called once with the stored state before schema()
    take_quarantined() -> list[Quarantined]      # rows the source refused while making the last batch
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa
import pyarrow.compute as pc

from weir.errors import ConfigError, TransientError, WeirError

MODES = ("full", "incremental", "merge")
CONTRACTS = ("evolve", "freeze", "discard_row")


class IngestError(WeirError):
    """An ingestion failed for a reason a retry will not cure."""


class SourceUnavailable(TransientError):
    """The source's host could not be reached (a retry may help)."""


class SourceAuthError(IngestError):
    """The source refused the credentials."""


class ContractError(IngestError):
    """A schema change the table's contract does not allow."""


@runtime_checkable
class Source(Protocol):
    """What the loader needs from a source. See the module docstring of ``weir.ingest``."""

    #: short name used in errors, app ids and the quarantine table ("shop.orders")
    name: str
    #: column whose values only grow (rows are read in its order), or None
    cursor: str | None

    def schema(self) -> pa.Schema: ...

    def read(self, state: dict[str, Any]) -> Iterator[pa.RecordBatch]: ...

    def next_state(self, state: dict[str, Any], batch: pa.RecordBatch) -> dict[str, Any]: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class SoftDelete:
    """Rows whose ``column`` equals ``value`` are deleted from the table on merge."""

    column: str
    value: Any = True


@dataclass(frozen=True)
class LoadSpec:
    """How the loader writes what a source reads."""

    mode: str = "full"  # full | incremental | merge
    contract: str = "evolve"  # evolve | freeze | discard_row
    primary_key: tuple[str, ...] = ()
    soft_delete: SoftDelete | None = None

    def check(self, source: Source) -> None:
        """Raise ConfigError when the options do not fit together."""
        where = f"ingestion of {source.name}"
        if self.mode not in MODES:
            raise ConfigError(f"{where}: unknown mode {self.mode!r}", hint=f"use one of: {', '.join(MODES)}")
        if self.contract not in CONTRACTS:
            raise ConfigError(f"{where}: unknown contract {self.contract!r}",
                              hint=f"use one of: {', '.join(CONTRACTS)}")
        if self.mode == "incremental" and not source.cursor and not getattr(source, "tracks_position", False):
            raise ConfigError(f"{where}: mode incremental needs a cursor column", hint="set cursor: <column>")
        if self.mode == "merge" and not self.primary_key:
            raise ConfigError(f"{where}: mode merge needs a primary_key", hint="set primary_key: [<column>, ...]")
        if self.soft_delete and self.mode != "merge":
            raise ConfigError(f"{where}: soft_delete works with mode merge only")


# -- cursors ------------------------------------------------------------------------------
# A cursor is stored in the table commit as JSON: {"cursor": <text>, "cursor_type": <arrow type>}.


def encode_cursor(value: Any) -> str:
    """A cursor value as text that ``decode_cursor`` turns back into the same value."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def decode_cursor(text: str, type_: pa.DataType) -> Any:
    """The Python value of a stored cursor, for a query parameter or an Arrow comparison."""
    if pa.types.is_integer(type_):
        return int(text)
    if pa.types.is_floating(type_):
        return float(text)
    if pa.types.is_decimal(type_):
        return decimal.Decimal(text)
    if pa.types.is_timestamp(type_):
        return datetime.datetime.fromisoformat(text)
    if pa.types.is_date(type_):
        return datetime.date.fromisoformat(text)
    return text


def cursor_state(state: dict[str, Any], batch: pa.RecordBatch, column: str | None) -> dict[str, Any]:
    """``state`` moved to the largest value of ``column`` in ``batch`` (nulls ignored)."""
    if not column or column not in batch.schema.names or batch.num_rows == 0:
        return dict(state)
    top = pc.max(batch.column(column)).as_py()
    if top is None:
        return dict(state)
    old = state.get("cursor")
    col_type = batch.schema.field(column).type
    if old is not None and decode_cursor(old, col_type) >= top:
        return dict(state)
    return {**state, "cursor": encode_cursor(top), "cursor_type": str(col_type)}


def after_cursor(batch: pa.RecordBatch, column: str, state: dict[str, Any]) -> pa.RecordBatch:
    """Rows of ``batch`` strictly after the stored cursor (rows equal to it are committed)."""
    if state.get("cursor") is None or batch.num_rows == 0:
        return batch
    col = batch.column(column)
    bound = pa.scalar(decode_cursor(state["cursor"], col.type), type=col.type)
    return batch.filter(pc.fill_null(pc.greater(col, bound), False))


def rebatch(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """The same rows in batches of exactly ``rows`` (the last one smaller)."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        while batch.num_rows:
            take = min(rows - count, batch.num_rows)
            pending.append(batch.slice(0, take))
            count += take
            batch = batch.slice(take)
            if count == rows:
                yield _concat(pending)
                pending, count = [], 0
    if count:
        yield _concat(pending)


def _concat(batches: Sequence[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(list(batches)).combine_chunks().to_batches()[0]
