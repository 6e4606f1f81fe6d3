"""Where a stream's batches land: the target table, ``<table>__dead_letters`` and (for
windows) ``<table>__late``, each write one atomic commit carrying the batch's offsets.

Exactly once across the tables: each table carries its own copy of the consumed offsets
(an ``AppCommit`` of ``weir.stream.<node>``), written in the same commit as its rows.
Dead letters are committed before the target table, so after a crash in between the
replayed batch finds its dead letters already there (offsets below the dead-letter
table's own position are skipped) and writes only what the target lacks. The consumer
seeks to the *target* table's positions: the oldest of the copies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from weir.formats.base import AppCommit, Commit, TableFormat
from weir.formats.delta import DeltaFormat
from weir.sql.relation import Relation
from weir.streaming.errors import StreamError
from weir.streaming.source import Positions, split_key, tp_key

#: the key the formats store an AppCommit's state under in a commit's metadata
#: (Delta commit info and Iceberg snapshot summaries both use it)
APP_KEY = "weir.app."
DELETE_FLAG = "__weir_delete"


def app_positions(fmt: TableFormat, relation: Relation, app_id: str, wanted: Iterable[str] = ()
                  ) -> tuple[int, Positions, dict[str, Any]]:
    """(newest batch version, per-partition next offsets, newest extra state) of ``app_id``.

    Several processes of one consumer group write the same table, each committing the
    partitions it owns, so a partition's position is in the newest commit that names it:
    the history is read newest first until every wanted partition is found.
    """
    newest = fmt.app_state(relation, app_id) if fmt.exists(relation) else None
    if newest is None:
        return -1, {}, {}
    positions: Positions = dict(newest.state.get("offsets") or {})
    extra = {k: v for k, v in newest.state.items() if k != "offsets"}
    missing = set(wanted) - set(positions)
    if missing:
        key = APP_KEY + app_id
        for entry in fmt.history(relation):
            if key not in entry:
                continue
            for tp, off in (json.loads(entry[key]).get("state", {}).get("offsets") or {}).items():
                positions.setdefault(tp, int(off))
            if not (missing - set(positions)):
                break
    return newest.version, {k: int(v) for k, v in positions.items()}, extra


def already_written(table: pa.Table, positions: Positions) -> pa.Array:
    """Mask of rows whose (topic, partition, offset) is below the table's position."""
    if table.num_rows == 0 or not positions:
        return pa.array([False] * table.num_rows, pa.bool_())
    keys = [tp_key(t, p) for t, p in zip(table.column("topic").to_pylist(),
                                         table.column("partition").to_pylist(), strict=True)]
    limits = pa.array([positions.get(k, -1) for k in keys], pa.int64())
    return pc.less(table.column("offset"), limits)


@dataclass
class TableSink:
    """One table of a stream and the positions its commits carry."""

    fmt: TableFormat
    relation: Relation
    app_id: str
    version: int = -1
    positions: Positions = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    #: state written with every commit of this table (the topic ids the offsets belong to)
    carry: dict[str, Any] = field(default_factory=dict)

    def restore(self, wanted: Iterable[str] = ()) -> None:
        self.version, self.positions, self.extra = app_positions(self.fmt, self.relation, self.app_id, wanted)

    def exists(self) -> bool:
        return self.fmt.exists(self.relation)

    def _ahead(self, positions: Positions) -> Positions:
        """Never move a partition back: a batch replayed from the target's (older) positions
        must not rewind this table's own (the dead letters may be ahead of the target)."""
        return {k: max(v, self.positions.get(k, v)) for k, v in positions.items()}

    def _app(self, seq: int, positions: Positions, extra: dict[str, Any] | None) -> AppCommit:
        state: dict[str, Any] = {"offsets": self._ahead(positions), **self.carry}
        state.update(extra or {})
        return AppCommit(self.app_id, seq, state)

    def append(self, rows: pa.Table, seq: int, positions: Positions, metadata: dict[str, str],
               extra: dict[str, Any] | None = None) -> Commit | None:
        """Append ``rows`` (possibly none) with the batch's positions; None when the table
        cannot be created yet (no rows and no columns known)."""
        if rows.num_columns == 0:
            return None
        commit = self.fmt.write(self.relation, rows.to_reader(), mode="append", metadata=metadata,
                                schema_mode="merge", app=self._app(seq, positions, extra))
        self._advance(seq, positions, extra)
        return commit

    def merge(self, rows: pa.Table, keys: list[str], seq: int, positions: Positions, metadata: dict[str, str],
              extra: dict[str, Any] | None = None) -> Commit | None:
        """Upsert ``rows`` on ``keys``; rows flagged in ``__weir_delete`` delete their key."""
        deletes = DELETE_FLAG in rows.column_names
        if not self.exists():
            if deletes:  # nothing to delete yet: create the table from the upserts
                rows = rows.filter(pc.invert(pc.fill_null(rows.column(DELETE_FLAG), False)))
                rows = rows.drop_columns([DELETE_FLAG])
            return self.append(rows, seq, positions, metadata, extra)
        app = self._app(seq, positions, extra)
        if rows.num_rows == 0:
            rows = rows.drop_columns([DELETE_FLAG]) if deletes else rows
            commit = self.fmt.write(self.relation, rows.to_reader(), mode="append", metadata=metadata,
                                    schema_mode="merge", app=app)
        elif deletes:
            if not isinstance(self.fmt, DeltaFormat):
                raise StreamError(f"CDC deletes (delete_when) into {self.relation} need a Delta table for now",
                                  hint="use table_format: delta for this stream")
            rows = rows.set_column(rows.schema.get_field_index(DELETE_FLAG), DELETE_FLAG,
                                   pc.fill_null(rows.column(DELETE_FLAG), False))
            commit = self.fmt.merge(self.relation, rows.to_reader(), keys=keys, metadata=metadata,
                                    merge_schema=True, app=app, delete_flag=DELETE_FLAG)
        else:
            commit = self.fmt.merge(self.relation, rows.to_reader(), keys=keys, metadata=metadata,
                                    merge_schema=True, app=app)
        self._advance(seq, positions, extra)
        return commit

    def forget(self, topics: set[str]) -> None:
        """Drop the positions of ``topics`` (deleted and created again: offsets start over)."""
        self.positions = {k: v for k, v in self.positions.items() if split_key(k)[0] not in topics}

    def _advance(self, seq: int, positions: Positions, extra: dict[str, Any] | None) -> None:
        self.version = seq
        self.positions.update(self._ahead(positions))
        if extra:
            self.extra.update(extra)
