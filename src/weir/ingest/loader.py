"""The loader: streams a source's batches into a table, each commit carrying the cursor.

Failure semantics (why a killed ingestion reruns without duplicates or gaps):

* **full**: every batch streams into *one* overwrite commit; a crash before it leaves the
  old table, a crash after it leaves the new one.
* **incremental** (append by cursor): the source reads rows ``cursor >= hwm`` in cursor
  order; a commit boundary is only placed *between* distinct cursor values (a group of
  rows sharing one value is never split over two commits, whatever the batch size), so
  every row with a cursor ``<= hwm`` is in the table and rows equal to ``hwm`` that are
  read again are dropped before writing. Each append commits ``hwm`` with it
  (``AppCommit``, app id ``weir.ingest.<source>``); a rerun reads it back from the table.
* **merge**: rows ``cursor >= hwm`` (all rows without a cursor) are upserted by primary
  key; rows read twice merge into themselves. Rows flagged by ``soft_delete`` are deleted
  by a second commit of the same batch, which then carries the cursor (the upsert
  before it is idempotent). While a table is first built, batches are appended (a
  query returns each key once), which is much faster than merging.

Quarantined rows (contract ``discard_row``) are written to ``<table>__quarantine``
before the batch commit, marked with the batch's app version so a replay does not
write them twice.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from weir.errors import ConfigError, WeirError
from weir.formats.base import AppCommit, Commit, TableFormat
from weir.ingest.base import LoadSpec, Source, _concat, after_cursor
from weir.ingest.schema import (
    Quarantined,
    Reconciled,
    conform,
    flatten,
    flatten_schema,
    quarantine_batch,
    reconcile,
)
from weir.sql.relation import Relation


@dataclass
class LoadResult:
    """What one load did."""

    relation: Relation
    mode: str
    rows_read: int = 0
    rows_written: int = 0
    rows_deleted: int = 0
    rows_quarantined: int = 0
    bytes_read: int = 0
    commits: list[tuple[Relation, Commit]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0

    @property
    def version(self) -> int | None:
        mine = [c.version for r, c in self.commits if r == self.relation]
        return mine[-1] if mine else None


def app_id_for(source_name: str) -> str:
    return f"weir.ingest.{source_name}"


def load(source: Source, into: str | Relation, *, mode: str | None = None, contract: str = "evolve",
         primary_key: list[str] | tuple[str, ...] | None = None, soft_delete: Any = None,
         project: str | Path | None = None, warehouse: str | None = None, table_format: TableFormat | None = None,
         full_refresh: bool = False, run_id: str = "python", app_id: str | None = None,
         metadata: dict[str, str] | None = None) -> LoadResult:
    """Load ``source`` into the table ``into`` ("schema.table") of a project's warehouse
    (``project=``), of a warehouse folder (``warehouse=``) or of a ``TableFormat``.

    ``mode`` defaults to merge when the source has a primary key, incremental when it has
    a cursor, else full.
    """
    relation = into if isinstance(into, Relation) else _relation(into)
    fmt = table_format or _format(project, warehouse)
    keys = tuple(primary_key or getattr(source, "primary_key", ()) or ())
    tracks = source.cursor or getattr(source, "tracks_position", False)
    chosen = mode or ("merge" if keys else "incremental" if tracks else "full")
    spec = LoadSpec(mode=chosen, contract=contract, primary_key=keys, soft_delete=soft_delete)
    return Loader(source, relation, fmt, spec, app_id=app_id or app_id_for(source.name), run_id=run_id,
                  metadata=metadata or {}, full_refresh=full_refresh).run()


def _relation(text: str) -> Relation:
    schema, _, name = text.rpartition(".")
    if not schema or not name:
        raise ConfigError(f"into={text!r} must name a table as 'schema.table'")
    return Relation(schema=schema, identifier=name, type="table")


def _format(project: str | Path | None, warehouse: str | None) -> TableFormat:
    from weir.formats.delta import DeltaFormat

    if warehouse is None:
        from weir.project.loader import load_project

        proj = load_project(Path(project or "."))
        warehouse = proj.target.warehouse or str(proj.root / "lakehouse")
        if "://" not in warehouse and not Path(warehouse).is_absolute():
            warehouse = str(proj.root / warehouse)
    return DeltaFormat(warehouse)


class Loader:
    """One load of one source into one table (see the module docstring)."""

    def __init__(self, source: Source, relation: Relation, fmt: TableFormat, spec: LoadSpec, *, app_id: str,
                 run_id: str, metadata: dict[str, str], full_refresh: bool = False) -> None:
        spec.check(source)
        if not fmt.supports_app_commits and spec.mode != "full":
            # a full load needs no position; any other mode must commit it with the data
            raise ConfigError(f"ingestion of {source.name} in mode {spec.mode} needs a table format that commits "
                              f"the cursor with the data; {fmt.name} cannot",
                              hint="use table_format: delta or iceberg, or mode: full")
        self.source, self.relation, self.fmt, self.spec = source, relation, fmt, spec
        self.app_id, self.run_id, self.metadata, self.full_refresh = app_id, run_id, metadata, full_refresh
        self.where = f"{source.name} -> {relation}"
        self.quarantine_relation = Relation(relation.schema, f"{relation.identifier}__quarantine", type="table")
        self.result = LoadResult(relation, spec.mode)
        self._error: BaseException | None = None

    # -- entry ---------------------------------------------------------------------------
    def run(self) -> LoadResult:
        start = time.time()
        exists = self.fmt.exists(self.relation)
        prev = self.fmt.app_state(self.relation, self.app_id) if exists and self.fmt.supports_app_commits else None
        self.version = prev.version if prev else 0
        state = {} if self.full_refresh or self.spec.mode == "full" or prev is None else dict(prev.state)
        table_schema = self.fmt.schema(self.relation) if exists else None
        if hasattr(self.source, "prepare"):  # sources that pick what to read from the state (files)
            self.source.prepare(state)
        incoming = flatten_schema(self.source.schema())
        replace = self.full_refresh or (self.spec.mode == "full" and self.spec.contract == "evolve")
        plan = reconcile(None if replace else table_schema, incoming, self.spec.contract, self.where)
        if plan.widen_table and exists:
            self._widen(table_schema, plan, prev.state if prev else {})
        if self.spec.mode == "full":
            self._full(plan, state)
        else:
            self._batched(plan, state, initial=not exists or self.full_refresh)
        self.result.duration_s = time.time() - start
        return self.result

    def _app(self, state: dict[str, Any]) -> AppCommit:
        self.version += 1
        return AppCommit(self.app_id, self.version, state)

    def _record(self, relation: Relation, commit: Commit) -> None:
        self.result.commits.append((relation, commit))

    def _count(self, raw: pa.RecordBatch) -> None:
        self.result.rows_read += raw.num_rows
        self.result.bytes_read += raw.nbytes

    # -- full ------------------------------------------------------------------------------
    def _full(self, plan: Reconciled, state: dict[str, Any]) -> None:
        held: list[Quarantined] = []

        def batches() -> Iterator[pa.RecordBatch]:
            try:
                for raw in self.source.read(state):
                    self._count(raw)
                    done = conform(flatten(raw), plan)
                    held.extend(done.quarantined + _refused(self.source))
                    self.result.rows_written += done.batch.num_rows
                    yield done.batch
            except BaseException as exc:  # re-raised below as itself, not as a format error
                self._error = exc
                raise

        reader = pa.RecordBatchReader.from_batches(plan.schema, batches())
        app = self._app({"mode": "full", "run_id": self.run_id})
        try:
            commit = self.fmt.write(self.relation, reader, mode="overwrite", metadata=self.metadata,
                                    schema_mode="overwrite", app=app if self.fmt.supports_app_commits else None)
        except WeirError:
            if self._error is not None:
                raise self._error from None
            raise
        self._quarantine(held, app.version)
        self._record(self.relation, commit)
        self.result.state = app.state

    # -- incremental and merge ------------------------------------------------------------------
    def _batched(self, plan: Reconciled, state: dict[str, Any], *, initial: bool) -> None:
        cursor = self.source.cursor
        incremental = self.spec.mode == "incremental"
        batches = self.source.read(state)
        if incremental and cursor:
            batches = _tie_aligned(batches, cursor)
        first = True
        for raw in batches:
            self._count(raw)
            new_state = self.source.next_state(state, raw)
            batch = flatten(raw)
            if incremental and cursor:
                batch = after_cursor(batch, cursor, state)
            done = conform(batch, plan)
            done.quarantined.extend(_refused(self.source))
            if done.batch.num_rows == 0 and not done.quarantined and new_state == state:
                continue
            app = self._app(new_state)
            self._quarantine(done.quarantined, app.version)
            overwrite = first and self.full_refresh
            if incremental or initial:
                self._append(self._live(done.batch), app, overwrite=overwrite, plan=plan)
            else:
                self._merge(done.batch, app, plan)
            first, state = False, new_state
        if first and self.full_refresh:  # the source is empty: the rebuilt table is too
            self._append(pa.RecordBatch.from_pylist([], schema=plan.schema), self._app(state), overwrite=True,
                         plan=plan)
        self.result.state = state

    def _live(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Without the rows flagged deleted (they are not in a table being built)."""
        sd = self.spec.soft_delete
        if sd is None or sd.column not in batch.schema.names:
            return batch
        flagged = pc.fill_null(pc.equal(batch.column(sd.column), pa.scalar(sd.value)), False)
        self.result.rows_deleted += pc.sum(flagged.cast(pa.int64())).as_py() or 0
        return batch.filter(pc.invert(flagged))

    def _append(self, batch: pa.RecordBatch, app: AppCommit, *, overwrite: bool, plan: Reconciled) -> None:
        commit = self.fmt.write(self.relation, _reader(batch), mode="overwrite" if overwrite else "append",
                                metadata=self.metadata, schema_mode="overwrite" if overwrite else "merge", app=app)
        self.result.rows_written += batch.num_rows
        self._record(self.relation, commit)

    def _merge(self, batch: pa.RecordBatch, app: AppCommit, plan: Reconciled) -> None:
        keys = list(self.spec.primary_key)
        missing = [k for k in keys if k not in batch.schema.names]
        if missing:
            raise ConfigError(f"{self.where}: primary_key column(s) {missing} are not in the source")
        live = self._live(batch)
        deleted = batch.num_rows - live.num_rows
        if live.num_rows or not deleted:
            commit = self.fmt.merge(self.relation, _reader(live), keys=keys, metadata=self.metadata,
                                    merge_schema=plan.evolves, app=None if deleted else app)
            self.result.rows_written += live.num_rows
            self._record(self.relation, commit)
        if deleted:
            sd = self.spec.soft_delete
            assert sd is not None
            gone = batch.filter(pc.fill_null(pc.equal(batch.column(sd.column), pa.scalar(sd.value)), False))
            empty = pa.RecordBatch.from_pylist([], schema=batch.schema)
            commit = self.fmt.write(self.relation, _reader(empty), mode="overwrite", metadata=self.metadata,
                                    predicate=key_predicate(gone, keys), app=app)
            self._record(self.relation, commit)

    # -- schema changes and quarantine -------------------------------------------------------------
    def _widen(self, table: pa.Schema | None, plan: Reconciled, state: dict[str, Any]) -> None:
        """Rewrite the table once with wider column types (evolve), keeping its cursor."""
        import duckdb

        assert table is not None
        wide = pa.schema([pa.field(f.name, plan.widen_table.get(f.name, f.type)) for f in table])
        con = duckdb.connect()
        try:
            reader = con.sql(self.fmt.scan_sql(self.relation)).to_arrow_reader(100_000)
            casted = (pa.RecordBatch.from_arrays([pc.cast(b.column(f.name), f.type) for f in wide], schema=wide)
                      for b in reader)
            commit = self.fmt.write(self.relation, pa.RecordBatchReader.from_batches(wide, casted), mode="overwrite",
                                    metadata=self.metadata, schema_mode="overwrite", app=self._app(state))
        finally:
            con.close()
        self._record(self.relation, commit)

    def _quarantine(self, items: list[Quarantined], version: int) -> None:
        if not items:
            return
        count = sum(q.rows.num_rows for q in items)
        self.result.rows_quarantined += count
        qrel = self.quarantine_relation
        tracked = self.fmt.supports_app_commits
        done = self.fmt.app_state(qrel, self.app_id) if tracked and self.fmt.exists(qrel) else None
        if done is not None and done.version >= version:
            return  # written by a run that died before its batch commit
        batch = quarantine_batch(items, self.source.name, self.run_id, datetime.datetime.now(datetime.UTC))
        commit = self.fmt.write(qrel, _reader(batch), mode="append", metadata=self.metadata, schema_mode="merge",
                                app=AppCommit(self.app_id, version, {}) if tracked else None)
        self._record(qrel, commit)


def _refused(source: Source) -> list[Quarantined]:
    """Rows the source itself refused (malformed CSV lines, JSON records) with the last batch."""
    take = getattr(source, "take_quarantined", None)
    return list(take()) if take is not None else []


def _reader(batch: pa.RecordBatch) -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(batch.schema, [batch])


def _tie_aligned(batches: Iterator[pa.RecordBatch], cursor: str) -> Iterator[pa.RecordBatch]:
    """Batches cut only between distinct cursor values (input is in cursor order)."""
    carry: pa.RecordBatch | None = None
    for batch in batches:
        if carry is not None:
            batch, carry = _concat([carry, batch]), None
        if batch.num_rows == 0:
            continue
        col = batch.column(cursor)
        last = col[batch.num_rows - 1]
        if not last.is_valid:
            yield batch
            continue
        start = pc.index(col, last).as_py()
        if start == 0:
            carry = batch  # one cursor value so far: read on
            continue
        yield batch.slice(0, start)
        carry = batch.slice(start)
    if carry is not None:
        yield carry


def key_predicate(rows: pa.RecordBatch, keys: list[str]) -> str:
    """A SQL predicate matching exactly the key values of ``rows``."""
    def lit(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float) or type(v).__name__ == "Decimal":
            return str(v)
        if isinstance(v, str):
            return "'" + v.replace("'", "''") + "'"
        if isinstance(v, datetime.date) and not isinstance(v, datetime.datetime):
            return f"DATE '{v.isoformat()}'"
        raise ConfigError(f"soft deletes need primary key values that are numbers, text or dates, got {v!r}")

    def col(k: str) -> str:
        return '"' + k.replace('"', '""') + '"'

    values = rows.select(keys).to_pylist()
    if len(keys) == 1:
        k = keys[0]
        return f"{col(k)} IN ({', '.join(lit(r[k]) for r in values)})"
    return " OR ".join("(" + " AND ".join(f"{col(k)} = {lit(r[k])}" for k in keys) + ")" for r in values)
