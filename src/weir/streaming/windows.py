"""Event-time windows: tumbling or sliding, with a watermark and allowed lateness.

Per batch, events are assigned to their windows and aggregated; the partial results are
combined with the rows already in the table for the same windows (count and sum add up,
min and max combine) and upserted on (window_start, window_end, group keys) in the same
commit as the offsets and the new watermark. The watermark is the newest event time seen
minus ``watermark``; an event whose windows all ended more than ``allowed_lateness``
before the watermark goes to ``<table>__late`` instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from sqlglot import exp

from weir.checks.expectations import parse_age
from weir.formats.base import Commit, TableFormat
from weir.project.streams import WindowSpec
from weir.sql.relation import Relation
from weir.streaming import batch as B
from weir.streaming.errors import StreamError
from weir.streaming.sink import TableSink, already_written
from weir.streaming.source import Positions

#: how a partial aggregate combines with the stored one
COMBINE = {"count": "sum", "sum": "sum", "min": "min", "max": "max"}
WINDOW_KEYS = ("window_start", "window_end")


def _q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _seconds(text: str, what: str) -> int:
    try:
        return int(parse_age(text).total_seconds())
    except ValueError as exc:
        raise StreamError(f"window {what}: {exc}") from None


def parse_aggregates(aggs: dict[str, str]) -> dict[str, tuple[str, str]]:
    """``{out: "sum(amount)"}`` -> ``{out: ("sum", "sum(amount)")}``; only combinable functions."""
    out = {}
    for name, text in aggs.items():
        try:
            node = sqlglot.parse_one(text, read="duckdb")
        except sqlglot.errors.ParseError as exc:
            raise StreamError(f"window aggregate {name}: {text!r} is not SQL: {exc}") from None
        func = type(node).__name__.lower()
        if func not in COMBINE or isinstance(node.this, exp.Distinct):
            raise StreamError(f"window aggregate {name}: {text!r} cannot be combined across batches",
                              hint="use count(*), count(x), sum(x), min(x) or max(x); derive averages downstream")
        out[name] = (func, node.sql("duckdb"))
    return out


class WindowWriter:
    """Aggregates a batch into windows and upserts them; too-late events to the late table."""

    def __init__(self, spec: WindowSpec, fmt: TableFormat, late: Relation, app_id: str) -> None:
        self.spec = spec
        self.size = _seconds(spec.size, "size")
        self.slide = _seconds(spec.slide, "slide") if spec.slide else self.size
        if self.size <= 0 or self.slide <= 0 or self.size % self.slide:
            raise StreamError(f"window size {spec.size} must be a positive multiple of slide {spec.slide}")
        self.delay = _seconds(spec.watermark, "watermark")
        self.lateness = _seconds(spec.allowed_lateness, "allowed_lateness")
        self.aggs = parse_aggregates(spec.aggregates)
        self.late = TableSink(fmt, late, app_id)
        self.keys = [*WINDOW_KEYS, *spec.group_by]

    def watermark(self, main: TableSink) -> dt.datetime | None:
        value = main.extra.get("watermark")
        return dt.datetime.fromisoformat(value) if value else None

    def _windows_sql(self, mark: dt.datetime | None) -> str:
        t = f"cast({_q(self.spec.time_column)} as timestamp)"
        size, slide = f"interval {self.size} second", f"interval {self.slide} second"
        if self.size == self.slide:
            starts = f"[time_bucket({size}, {t})]"
        else:
            starts = f"generate_series(time_bucket({slide}, {t}) - {size} + {slide}, time_bucket({slide}, {t}), {slide})"
        open_ = f"ws + {size} + interval {self.lateness} second > timestamp '{mark.isoformat()}'" if mark else "true"
        groups = "".join(f", {_q(g)}" for g in self.spec.group_by)
        aggs = "".join(f", {sql} as {_q(n)}" for n, (_, sql) in self.aggs.items())
        return (f"select ws as window_start, ws + {size} as window_end{groups}{aggs} "
                f"from (select *, unnest({starts}) as ws from batch where {t} is not null) "
                f"where {open_} group by all")

    def _late_mask(self, con: duckdb.DuckDBPyConnection, rows: pa.Table, mark: dt.datetime | None) -> pa.Array:
        if mark is None or rows.num_rows == 0:
            return pa.array([False] * rows.num_rows, pa.bool_())
        t = f"cast({_q(self.spec.time_column)} as timestamp)"
        last_end = f"time_bucket(interval {self.slide} second, {t}) + interval {self.size} second"
        sql = (f"select coalesce({last_end} + interval {self.lateness} second <= timestamp '{mark.isoformat()}', "
               "false) as late from batch")
        return B.run_sql(con, rows, sql, "finding late events").column("late").combine_chunks()

    def write(self, con: duckdb.DuckDBPyConnection, main: TableSink, rows: pa.Table, seq: int,
              positions: Positions, metadata: dict[str, str]) -> tuple[int, Commit | None]:
        if rows.num_rows and self.spec.time_column not in rows.column_names:
            raise StreamError(f"window time_column {self.spec.time_column!r} is not a column of the batch",
                              hint="columns: " + ", ".join(rows.column_names))
        mark = self.watermark(main)
        late_mask = self._late_mask(con, rows, mark)
        late_rows = rows.filter(late_mask)
        if late_rows.num_rows:
            coords = late_rows.select(["_kafka_topic", "_kafka_partition", "_kafka_offset"]).rename_columns(
                ["topic", "partition", "offset"])
            fresh = late_rows.filter(pc.invert(already_written(coords, self.late.positions)))
            if fresh.num_rows:
                self.late.append(fresh, seq, positions, metadata)
        partial = B.run_sql(con, rows, self._windows_sql(mark), "window aggregation") if rows.num_rows else None
        newest = self._newest(con, rows)
        new_mark = max([m for m in (mark, newest) if m is not None], default=None)
        extra: dict[str, Any] = {"watermark": new_mark.isoformat() if new_mark else None}
        if partial is None or partial.num_rows == 0:
            out = partial if partial is not None else pa.table({})
            return late_rows.num_rows, (main.append(out, seq, positions, metadata, extra)
                                        if main.exists() else None)
        merged = self._combine(con, main, partial)
        return late_rows.num_rows, main.merge(merged, self.keys, seq, positions, metadata, extra)

    def _newest(self, con: duckdb.DuckDBPyConnection, rows: pa.Table) -> dt.datetime | None:
        if rows.num_rows == 0:
            return None
        sql = f"select max(cast({_q(self.spec.time_column)} as timestamp)) as m from batch"
        newest = B.run_sql(con, rows, sql, "the watermark").column("m")[0].as_py()
        return newest - dt.timedelta(seconds=self.delay) if newest else None

    def _combine(self, con: duckdb.DuckDBPyConnection, main: TableSink, partial: pa.Table) -> pa.Table:
        """New partial aggregates plus what the table holds for the same windows."""
        if not main.exists():
            return partial
        keys = ", ".join(_q(k) for k in self.keys)
        combined = ", ".join(f"{COMBINE[f]}({_q(n)}) as {_q(n)}" for n, (f, _) in self.aggs.items())
        cols = ", ".join(_q(c) for c in partial.column_names)
        sql = (f"with stored as ({main.fmt.scan_sql(main.relation)}) "
               f"select {keys}, {combined} from (select {cols} from batch union all by name "
               f"select {cols} from stored semi join batch using ({keys})) group by {keys}")
        out = B.run_sql(con, partial, sql, "combining window results")
        return out.cast(partial.schema) if out.schema != partial.schema else out
