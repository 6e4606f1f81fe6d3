"""Apache Spark as a weir engine: classic PySpark (any master) or Spark Connect.

One session per run, reused by every node. Relations live in the session as temporary
views named ``schema__name``: lakehouse tables are views over the *live* files of the
table's log (never the folder), view models are views over their SQL. weir's SQL is
DuckDB-dialect and is transpiled at this boundary (``spark_sql.to_spark``).

Without the Delta/Iceberg Spark jars (``supports_merge_native = False``) Spark writes
Parquet data files and weir commits them to the table format; the materializations do
that once for every file-writing engine (``materialize/file_writes.py``).
"""

from __future__ import annotations

import atexit
import glob
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from weir.engines.base import Engine
from weir.engines.spark_compat import SparkCapabilities, read_files
from weir.engines.spark_session import owns, start, ui_url
from weir.engines.spark_sql import to_spark, view_name
from weir.engines.spark_types import arrow_schema, duck_type, spark_ddl
from weir.errors import EngineError
from weir.sql.relation import ColumnInfo, Relation

if TYPE_CHECKING:
    import pyarrow as pa

_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
#: prefix of the hidden partition-folder columns of files that keep their partition columns
_EMBED = "__weir_p_"
_S3A_CLASS = "org.apache.hadoop.fs.s3a.S3AFileSystem"


@dataclass(frozen=True)
class WrittenFile:
    """A Parquet data file the engine wrote, relative to the table's folder."""

    path: str
    size: int
    modification_time: int
    partition_values: dict[str, str | None]
    num_rows: int


class SparkEngine(Engine):
    name = "spark"
    #: the dialect of the SQL this engine *accepts*: weir's own (DuckDB); Spark SQL is produced here
    dialect = "duckdb"
    native_dialect = "spark"
    supports_views = True
    supports_merge = False
    supports_transactions = False
    #: MERGE INTO / saveAsTable on Delta need the delta-spark jars on the cluster
    supports_merge_native = False
    #: the engine writes data files itself; the table format only commits them
    writes_files = True

    def __init__(self, *, method: str = "session", master: str | None = "local[*]", url: str | None = None,
                 conf: Mapping[str, Any] | None = None, app_name: str = "weir", threads: int = 4,
                 native_merge: bool = False, s3a: bool | None = None, announce: Any = None) -> None:
        self.method = method
        self.master = master
        self.url = url
        self.conf = dict(conf or {})
        self.app_name = app_name
        self.threads = threads
        self.supports_merge_native = native_merge
        self._announce = announce
        self._session: Any = None
        self._lock = threading.RLock()
        self._relations: dict[tuple[str, str], str] = {}
        #: relations registered when first used (``defer``): key -> registration
        self._pending: dict[tuple[str, str], Callable[[], None]] = {}
        self._frames: dict[str, Any] = {}
        self._seq = 0
        #: what the server supports beyond the Spark Connect protocol's core (probed once)
        self.caps = SparkCapabilities()
        #: the session opens s3a:// itself (Hadoop S3A); None = probe once
        self._s3a = s3a
        self._scratch: str | None = None

    # -- the session ---------------------------------------------------------------------
    @property
    def session(self) -> Any:
        """The run's SparkSession, started on first use."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = start(self.method, master=self.master, url=self.url, conf=self.conf,
                                          app_name=self.app_name)
                    atexit.register(self.close)
                    where = ui_url(self._session) or self.url
                    if self._announce is not None:
                        self._announce(f"Spark {self._session.version} ({self.method}"
                                       f"{': ' + str(self.master) if self.method == 'session' else ''}); UI: {where}")
        return self._session

    def close(self) -> None:
        scratch, self._scratch = self._scratch, None
        if scratch is not None:  # staged uploads and cached copies of S3 data files
            shutil.rmtree(scratch, ignore_errors=True)
        session, self._session = self._session, None
        if session is not None and owns(session):
            try:
                session.stop()
            except Exception as exc:  # stopping a session whose JVM/server is gone: nothing left to free
                _ = exc

    def cancel(self) -> None:
        """Cancel the running Spark jobs (Ctrl-C): classic sessions through the SparkContext,
        Connect sessions by interrupting their operations on the server."""
        session = self._session
        if session is None:
            return
        try:
            if self.method == "connect":
                session.interruptAll()
            else:
                session.sparkContext.cancelAllJobs()
        except Exception as exc:  # the session is already gone: nothing runs
            _ = exc

    # -- SQL ------------------------------------------------------------------------------
    def spark_sql(self, sql: str) -> str:
        """weir's SQL for one statement as Spark SQL."""
        return to_spark(sql, self._columns_of)

    def _columns_of(self, spark_sql: str) -> list[tuple[str, str]]:
        schema = self.session.sql(spark_sql).schema
        return [(f.name, f.dataType.simpleString()) for f in schema.fields]

    def frame(self, sql: str) -> Any:
        """A Spark DataFrame of weir's SQL (lazy)."""
        self.resolve(sql)
        try:
            spark_text = self.spark_sql(sql)
        except Exception as exc:  # sqlglot could not read it: the SQL is the user's to fix
            raise EngineError(f"cannot translate SQL for Spark: {_first_line(exc)}") from None
        try:
            return self.session.sql(spark_text)
        except EngineError:
            raise
        except Exception as exc:  # Spark's AnalysisException & co: one clear line
            raise EngineError(_first_line(exc)) from None

    def _run(self, fn: Any) -> Any:
        try:
            return fn()
        except EngineError:
            raise
        except Exception as exc:  # a Spark job failed: its message, not a JVM stack
            raise EngineError(_first_line(exc)) from None

    def execute(self, sql: str) -> None:
        df = self.frame(sql)
        self._run(df.collect)

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        df = self.frame(sql)
        rows = self._run(df.collect)
        return list(df.columns), [tuple(r) for r in rows]

    def arrow(self, sql: str) -> pa.Table:
        df = self.frame(sql)
        return self._run(df.toArrow)

    def reader(self, sql: str, batch_rows: int = 1_000_000) -> pa.RecordBatchReader:
        import pyarrow as pa

        table = self.arrow(sql)
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=batch_rows))

    def columns(self, relation: Relation | str) -> list[ColumnInfo]:
        sql = f"select * from {relation}" if isinstance(relation, Relation) else str(relation)
        schema = self._run(lambda: self.frame(sql).schema)
        return [ColumnInfo(f.name, duck_type(f.dataType)) for f in schema.fields]

    # -- the session's catalog --------------------------------------------------------------
    def _key(self, schema: str | None, identifier: str) -> tuple[str, str]:
        return ((schema or "").lower(), identifier.lower())

    def relation_type(self, schema: str, identifier: str) -> str | None:
        key = self._key(schema, identifier)
        self._force(key)
        return self._relations.get(key)

    def list_relations(self) -> list[tuple[str, str, str]]:
        for key in list(self._pending):
            self._force(key)
        return [(s, n, k) for (s, n), k in sorted(self._relations.items()) if s]

    def defer(self, relation: Relation, register: Callable[[], None]) -> None:
        """Register ``relation`` when a query first names it (or its type is asked): a
        session shown a project's hundred tables, or a table nobody reads in this run,
        pays nothing for it. A later ``defer`` or registration of it replaces this one."""
        with self._lock:
            self._pending[self._key(relation.schema, relation.identifier)] = register

    def resolve(self, text: str) -> None:
        """Carry out the deferred registrations of the relations ``text`` (SQL, or a Python
        model's code that may name views itself) may name: a word match on the name, a
        false match only registers early."""
        if not self._pending:
            return
        text = text.lower()
        with self._lock:
            due = [key for key in self._pending if key[1] in text and _names(key, text)]
        for key in due:
            self._force(key)

    def _force(self, key: tuple[str, str]) -> None:
        # under the lock: a thread naming the relation meanwhile waits for the registration
        with self._lock:
            while (register := self._pending.pop(key, None)) is not None:
                register()  # which may defer the actual registration once more

    def ensure_schema(self, schema: str) -> None:
        """Temporary views need no schema; kept for the Engine's callers."""

    def create_view(self, relation: Relation, sql: str, *, also: str | None = None) -> None:
        df = self.frame(sql)
        self._register(relation, df, "view")

    def register_frame(self, relation: Relation, df: Any) -> None:
        """Make ``relation`` a view over a DataFrame (a table Spark reads natively)."""
        self._register(relation, df, "table")

    def _register(self, relation: Relation, df: Any, kind: str) -> None:
        name = view_name(relation.schema, relation.identifier)
        key = self._key(relation.schema, relation.identifier)
        with self._lock:
            self._pending.pop(key, None)  # superseded
            self._run(lambda: df.createOrReplaceTempView(name))
            self._relations[key] = kind

    def drop(self, relation: Relation) -> None:
        name = view_name(relation.schema, relation.identifier)
        with self._lock:
            self._pending.pop(self._key(relation.schema, relation.identifier), None)
            known = self._relations.pop(self._key(relation.schema, relation.identifier), None)
        if known is not None:
            self._run(lambda: self.session.catalog.dropTempView(name))

    def transaction(self, statements: list[str]) -> None:
        for stmt in statements:  # Spark has no multi-statement transactions; commits are the format's
            self.execute(stmt)

    def export_query(self, sql: str) -> str:
        return sql

    def export_sql(self, relation: Relation) -> str:
        return f"select * from {relation}"

    # -- tables as live file lists --------------------------------------------------------
    @property
    def s3a(self) -> bool:
        """Whether Spark reads and writes ``s3a://`` itself: the target's ``s3a:`` flag, or
        (unset) whether the driver can load Hadoop's S3AFileSystem class (probed once; a
        Connect client cannot look, so it says no unless told)."""
        if self._s3a is None:
            jvm = getattr(getattr(self.session, "sparkContext", None), "_jvm", None) if self.method == "session" else None
            try:
                self._s3a = jvm is not None and jvm.java.lang.Class.forName(_S3A_CLASS) is not None
            except Exception:  # Py4J's ClassNotFoundException: no hadoop-aws jars, weir moves the files
                self._s3a = False
        return bool(self._s3a)

    def scratch(self, kind: str) -> str:
        """A local folder of this engine (staging, cache), removed when the engine closes."""
        with self._lock:
            if self._scratch is None:
                self._scratch = tempfile.mkdtemp(prefix="weir-spark-")
            path = os.path.join(self._scratch, kind)
        os.makedirs(path, exist_ok=True)
        return path

    def register_files(self, relation: Relation, files: Sequence[str], schema: pa.Schema, *,
                       partitions: Sequence[str] = (), base: str | None = None) -> None:
        """Make ``relation`` a view over exactly these data files (a table version's live
        files), typed by the table's schema; partition values come from the paths."""
        self._register(relation, self.files_frame(files, schema, partitions=partitions, base=base), "table")

    def files_frame(self, files: Sequence[str], schema: pa.Schema, *, partitions: Sequence[str] = (),
                    base: str | None = None, file_column: str | None = None) -> Any:
        """A DataFrame over data files, cast to ``schema``; ``file_column`` adds each row's file."""
        from pyspark.sql import functions as F

        spark = self.session
        if not files:
            ddl = ", ".join(f"`{f.name}` {spark_ddl(f.type)}" for f in schema)
            df = spark.createDataFrame([], ddl)
            return df.withColumn(file_column, F.lit(None).cast("string")) if file_column else df
        # the table's own schema: the files are read without a schema-inference job
        ddl = ", ".join(f"`{f.name}` {spark_ddl(f.type)}" for f in schema)
        df = self._run(lambda: read_files(self.caps, spark, files, partitions=partitions, base=base,
                                          file_column=file_column, schema=ddl))
        have = {c.lower() for c in df.columns}
        cols = [(F.col(f"`{f.name}`") if f.name.lower() in have else F.lit(None))
                .cast(spark_ddl(f.type)).alias(f.name) for f in schema]
        if file_column:
            cols.append(F.col(f"`{file_column}`"))
        return df.select(*cols)

    def stage_files(self, key: str, files: Sequence[str], schema: pa.Schema, *, partitions: Sequence[str] = (),
                    base: str | None = None, file_column: str | None = None) -> Relation:
        """A private view over data files (not computed until read); ``unstage`` drops it."""
        rel = self._stage_relation(key)
        df = self.files_frame(files, schema, partitions=partitions, base=base, file_column=file_column)
        self._run(lambda: df.createOrReplaceTempView(rel.identifier))
        with self._lock:
            self._frames[rel.identifier] = df
        return rel

    def conform(self, df: Any, schema: pa.Schema, *, keep_extra: bool = False) -> Any:
        """``df`` with the table's columns and types (missing ones null); columns the table
        lacks are kept at the end with ``keep_extra`` (schema evolution), else dropped."""
        from pyspark.sql import functions as F

        have = {c.lower(): c for c in df.columns}
        cols = [(F.col(f"`{have[f.name.lower()]}`") if f.name.lower() in have else F.lit(None))
                .cast(spark_ddl(f.type)).alias(f.name) for f in schema]
        if keep_extra:
            known = {f.name.lower() for f in schema}
            cols += [F.col(f"`{c}`") for c in df.columns if c.lower() not in known]
        return df.select(*cols)

    def write_files(self, sql: str, folder: str, *, partition_by: Sequence[str] | None = None
                    ) -> tuple[list[WrittenFile], pa.Schema]:
        """Write a query's rows as new Parquet files under ``folder/part-<uuid>/``; returns
        the files (relative to ``folder``) and the rows' Arrow schema. Nothing is committed."""
        df = self.frame(sql)
        return self.write_frame(df, folder, partition_by=partition_by)

    def write_frame(self, df: Any, folder: str, *, partition_by: Sequence[str] | None = None,
                    embed_partitions: bool = False) -> tuple[list[WrittenFile], pa.Schema]:
        """Write ``df`` as new Parquet files in ``folder``: locally in the layout delta-rs uses
        (``col=value/<unique name>.parquet``, so files of both engines read as one table),
        under ``part-<uuid>/`` on ``s3a://`` (with S3A). ``embed_partitions`` keeps partition
        columns inside the files (Iceberg): the folders are split on hidden copies of them, so
        each file still holds one partition. Returns the files relative to ``folder``."""
        remote = "://" in folder and not folder.startswith("file:")
        if remote and not folder.startswith("s3a://"):
            raise EngineError(f"the Spark engine cannot write to {folder} itself",
                              hint="an s3:// warehouse is written through a local staging folder, or s3a:// with S3A")
        schema = arrow_schema(df.schema)
        out = f"{folder.rstrip('/')}/{'part' if remote else '.weir-write'}-{uuid.uuid4().hex}"
        if partition_by and embed_partitions:
            from pyspark.sql import functions as F

            df = df.select("*", *[F.col(f"`{c}`").alias(_EMBED + c) for c in partition_by])
            partition_by = [_EMBED + c for c in partition_by]
        writer = df.write.mode("error")  # "errorifexists" is refused by Spark Connect
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        self._run(lambda: writer.parquet(out))
        if remote:
            return self._written_remote(out, folder), schema
        files = []
        for path in sorted(glob.glob(os.path.join(out, "**", "*.parquet"), recursive=True)):
            # Spark's file names are unique per write job: moved up beside the table's others
            dest = os.path.join(folder, os.path.relpath(path, out))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.replace(path, dest)
            files.append(_written(dest, folder))
        shutil.rmtree(out, ignore_errors=True)
        return files, schema

    def _written_remote(self, out: str, folder: str) -> list[WrittenFile]:
        """The files Spark wrote under ``out`` on a store only Spark can list (s3a://): one
        small job over the files' metadata (path, size, time, rows)."""
        from pyspark.sql import functions as F

        meta = self.session.read.parquet(out).select("_metadata.file_path", "_metadata.file_size",
                                                     "_metadata.file_modification_time")
        rows = self._run(lambda: meta.groupBy("file_path", "file_size", "file_modification_time")
                         .agg(F.count(F.lit(1)).alias("n")).collect())
        base = folder.rstrip("/") + "/"
        files = []
        for path, size, mtime, count in rows:
            rel = unquote(path).removeprefix(base)
            files.append(_written_file(rel, int(size), int(mtime.timestamp() * 1000), int(count)))
        return sorted(files, key=lambda f: f.path)

    # -- staging ----------------------------------------------------------------------------
    def _stage_relation(self, key: str) -> Relation:
        with self._lock:
            self._seq += 1
            seq = self._seq
        safe = "".join(c if c.isalnum() else "_" for c in key)[:60]
        return Relation(schema=None, identifier=f"weir_stage__{safe}__{seq}", type="table")

    def _stage_frame(self, key: str, df: Any) -> Relation:
        rel = self._stage_relation(key)
        # computed once: later reads (counts, checks, the write) see the same rows
        frozen = self._run(lambda: self.caps.freeze(self.session, df))
        self._run(lambda: frozen.createOrReplaceTempView(rel.identifier))
        with self._lock:
            self._frames[rel.identifier] = frozen
        return rel

    def stage(self, key: str, sql: str) -> Relation:
        return self._stage_frame(key, self.frame(sql))

    def stage_arrow(self, key: str, data: pa.Table | pa.RecordBatchReader) -> Relation:
        import pyarrow as pa

        table = data.read_all() if isinstance(data, pa.RecordBatchReader) else data
        return self._stage_frame(key, self._run(lambda: self.session.createDataFrame(table)))

    def stage_object(self, key: str, value: Any) -> Relation | None:
        """Stage a Spark DataFrame a Python model returned, without leaving Spark."""
        if hasattr(value, "sparkSession") and hasattr(value, "createOrReplaceTempView"):
            return self._stage_frame(key, value)
        return None

    def unstage(self, relation: Relation) -> None:
        with self._lock:
            frame = self._frames.pop(relation.identifier, None)
        if frame is not None:
            self._run(lambda: self.session.catalog.dropTempView(relation.identifier))

    # -- Python models -------------------------------------------------------------------------
    def python_session(self) -> Any:
        return self.session

    def python_frame(self, sql: str) -> Any:
        """A Spark DataFrame that also answers ``.df()`` (pandas) and ``.arrow()`` (Arrow) like
        a DuckDB relation, so Python models written for dbt-duckdb run unchanged on Spark."""
        df = self.frame(sql)
        try:
            df.arrow = lambda: self._run(df.toArrow)
            df.df = lambda: _pandas_like_duckdb(self._run(df.toArrow))
        except AttributeError:  # a DataFrame class that refuses new attributes: plain Spark API
            pass
        return df


def _pandas_like_duckdb(table: pa.Table) -> Any:
    """pandas as DuckDB's ``.df()`` gives it: decimals as float64 (not Decimal objects)."""
    import pyarrow as pa

    fields = [pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields)).to_pandas()


def _written(path: str, folder: str) -> WrittenFile:
    import pyarrow.parquet as pq

    rel = os.path.relpath(path, folder).replace(os.sep, "/")
    st = os.stat(path)
    return _written_file(rel, st.st_size, int(st.st_mtime * 1000), pq.read_metadata(path).num_rows)


def _written_file(rel: str, size: int, mtime_ms: int, rows: int) -> WrittenFile:
    values: dict[str, str | None] = {}
    for segment in rel.split("/")[:-1]:  # [part-<uuid>/]col=value/.../file.parquet
        col, eq, raw = segment.partition("=")
        if not eq or col.startswith(_EMBED):  # a hidden copy: the column itself is inside the file
            continue
        value = unquote(raw)
        values[col] = None if value == _HIVE_NULL else value
    return WrittenFile(rel, size, mtime_ms, values, rows)


def _names(key: tuple[str, str], text: str) -> bool:
    """Whether lower-cased SQL names the relation ``key`` as a whole word: ``identifier``
    (after ``schema.``, quoted or not) or its Spark view name ``schema__identifier``."""
    schema, identifier = key
    words = [re.escape(identifier)] + ([re.escape(f"{schema}__{identifier}")] if schema else [])
    return re.search(rf"(?<![\w$])(?:{'|'.join(words)})(?![\w$])", text) is not None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = lines[0] if lines else type(exc).__name__
    return first.split("SQLSTATE:")[0].strip() if "SQLSTATE" in first else first


__all__ = ["SparkEngine", "WrittenFile"]
