"""Table metrics gathered from the Arrow batches on their way into a commit, so a table
written by streaming needs no second scan: row count, nulls, min/max/mean (the same
names and shapes as :func:`weir.checks.metrics.collect_metrics`; no distinct counts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from weir.checks.metrics import MetricValue, TableMetrics, _metric_value


class StreamMetrics:
    """Wraps a RecordBatchReader; after it is drained, ``result()`` holds the metrics."""

    def __init__(self, reader: pa.RecordBatchReader) -> None:
        self.schema = reader.schema
        self._reader = reader
        self.rows = 0
        self.nulls = [0] * len(self.schema)
        self.low: list[Any] = [None] * len(self.schema)
        self.high: list[Any] = [None] * len(self.schema)
        self.sums: list[float] = [0.0] * len(self.schema)
        self.counts = [0] * len(self.schema)
        self.kinds = [_kind(f.type) for f in self.schema]
        self.failed = False

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, self._batches())

    def _batches(self) -> Iterator[pa.RecordBatch]:
        for batch in self._reader:
            if not self.failed:
                try:
                    self._add(batch)
                except pa.ArrowException:  # metrics must never fail a write: measure later instead
                    self.failed = True
            yield batch

    def _add(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        for i, kind in enumerate(self.kinds):
            column = batch.column(i)
            self.nulls[i] += column.null_count
            if kind is None or column.null_count == len(column):
                continue
            bounds = pc.min_max(column)
            lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
            self.low[i] = lo if self.low[i] is None else min(self.low[i], lo)
            self.high[i] = hi if self.high[i] is None else max(self.high[i], hi)
            if kind == "numeric":
                # unsafe cast: a mean may lose precision, it must not refuse big integers
                self.sums[i] += float(pc.sum(column.cast(pa.float64(), safe=False)).as_py() or 0.0)
                self.counts[i] += len(column) - column.null_count

    def result(self) -> TableMetrics | None:
        """The metrics, or None when they could not be gathered (measure with a scan)."""
        if self.failed:
            return None
        rows = [MetricValue(None, "row_count", float(self.rows), None)]
        for i, field in enumerate(self.schema):
            rows.append(MetricValue(field.name, "null_count", float(self.nulls[i]), None))
            kind = self.kinds[i]
            if kind is None:
                continue
            rows.append(_metric_value(field.name, "min", kind, self.low[i]))
            rows.append(_metric_value(field.name, "max", kind, self.high[i]))
            if kind == "numeric":
                mean = self.sums[i] / self.counts[i] if self.counts[i] else None
                rows.append(_metric_value(field.name, "mean", kind, mean))
        return TableMetrics(rows)


def _kind(t: pa.DataType) -> str | None:
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "numeric"
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return "temporal"
    return None
