"""What a Spark-API server may lack, probed once per engine, with portable fallbacks.

Apache Spark has all of it; another implementation of the Spark Connect protocol (Sail)
may not. Each capability is checked on first use — by a trivial probe or by the analysis
of the frame at hand, never by the server's name — and a missing one takes a slower path
that gives the same rows:

* ``localCheckpoint`` (staged rows computed once): else ``persist()`` + one count;
* ``_metadata.file_path`` (which file a row came from): else one read per file with the
  path as a literal column;
* partition discovery of listed files under ``basePath``: else one read per partition
  folder with the values from its path as literal columns (cast to the table's types by
  the caller).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import reduce
from typing import Any
from urllib.parse import unquote, urlparse

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


class SparkCapabilities:
    """Per-engine answers, each probed once (``None`` = not asked yet)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.local_checkpoint: bool | None = None
        self.file_metadata: bool | None = None

    def freeze(self, session: Any, df: Any) -> Any:
        """``df`` computed once, so later reads (counts, checks, the write) see the same rows."""
        if self.local_checkpoint is None:
            with self._lock:
                if self.local_checkpoint is None:
                    try:  # a one-row probe: a failing model must not be taken for a missing feature
                        session.range(1).localCheckpoint(eager=True)
                        self.local_checkpoint = True
                    except Exception:  # e.g. Sail: "checkpoint object-store path is not configured"
                        self.local_checkpoint = False
        if self.local_checkpoint:
            return df.localCheckpoint(eager=True)
        frozen = df.persist()
        frozen.count()
        return frozen

    def has_file_metadata(self, df: Any) -> bool:
        """Whether file sources expose ``_metadata.file_path`` (one analysis call, once)."""
        if self.file_metadata is None:
            try:
                _ = df.select("_metadata.file_path").schema
                self.file_metadata = True
            except Exception:  # AnalysisException: no such column on this server
                self.file_metadata = False
        return self.file_metadata


def read_files(caps: SparkCapabilities, session: Any, files: Sequence[str], *, partitions: Sequence[str] = (),
               base: str | None = None, file_column: str | None = None, schema: str | None = None) -> Any:
    """A DataFrame over exactly ``files`` with their partition columns (from the paths
    under ``base``) and, with ``file_column``, each row's file as given in ``files``.
    ``schema`` (a DDL string; unpartitioned files only) spares Spark the job that infers it."""
    from pyspark.sql import functions as F

    reader = session.read.option("basePath", base) if partitions and base else session.read
    if schema and not partitions:
        reader = reader.schema(schema)
    df = reader.parquet(*files)
    found = {c.lower() for c in df.columns}
    if all(p.lower() in found for p in partitions) and (not file_column or caps.has_file_metadata(df)):
        return df.select("*", F.col("_metadata.file_path").alias(file_column)) if file_column else df
    groups: dict[Any, list[str]] = {}
    for path in files:  # one read per file (file_column) or per partition folder
        key = path if file_column else tuple(sorted(_partition_values(path, base).items()))
        groups.setdefault(key, []).append(path)
    frames = []
    for paths in groups.values():
        part = session.read.parquet(*paths)
        have = {c.lower() for c in part.columns}
        values = _partition_values(paths[0], base)
        extra = [F.lit(values.get(p)).cast("string").alias(p) for p in partitions if p.lower() not in have]
        if file_column:
            extra.append(F.lit(paths[0]).alias(file_column))
        frames.append(part.select("*", *extra))
    return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)


def _partition_values(path: str, base: str | None) -> dict[str, str | None]:
    """``col=value`` folders of a data file's path below ``base`` (Hive-style, URL-quoted)."""
    rel = _plain(path)
    if base:
        root = _plain(base).rstrip("/") + "/"
        rel = rel[len(root):] if rel.startswith(root) else rel
    values: dict[str, str | None] = {}
    for segment in rel.split("/")[:-1]:
        col, eq, raw = segment.partition("=")
        if eq:
            value = unquote(raw)
            values[col] = None if value == HIVE_NULL else value
    return values


def _plain(uri: str) -> str:
    return urlparse(uri).path if uri.startswith("file:") else uri


__all__ = ["SparkCapabilities", "read_files"]
