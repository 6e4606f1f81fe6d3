"""Committing data files another engine wrote (Spark without the Delta/Iceberg jars) to a
lakehouse table, whatever its format: a small ``FileTable`` protocol implemented for Delta
(``external_delta``, delta-rs add/remove actions) and Iceberg (``external_iceberg``,
pyiceberg data files in one snapshot).

``overwrite`` replaces every live file; ``append`` adds files; a copy-on-write rewrite
removes the files it rewrote and adds their replacements atomically, with weir's commit
metadata. Readers list the live files from the table's log or snapshot (never the folder,
which still holds removed files).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import pyarrow as pa

from weir.errors import FormatError
from weir.formats.base import Commit
from weir.formats.storage import S3Storage
from weir.sql.relation import Relation


class DataFile(Protocol):
    """A written data file, relative to the folder it was written to (engines' WrittenFile)."""

    path: str
    size: int
    modification_time: int
    partition_values: dict[str, str | None]
    num_rows: int


@dataclass(frozen=True)
class LiveFiles:
    """A table version as an engine must read it: exactly its live data files."""

    location: str
    version: int | None
    schema: pa.Schema
    #: partition columns encoded in the files' paths (``col=value/``), not inside the files
    partitions: list[str]
    #: absolute paths/URIs of the live files
    uris: list[str]
    #: the same files as the format names them (what a removal names), in the same order
    paths: list[str]
    #: the table's partition columns, for new files
    partition_by: tuple[str, ...] = ()


class FileTable(Protocol):
    """One table of one format, seen as data files."""

    relation: Relation
    #: where new data files are written: a local folder or an ``s3://`` URL
    folder: str
    #: partition columns must stay inside the data files (Iceberg reads partition values
    #: from the files' statistics; Delta from the paths)
    embeds_partitions: bool

    def live(self) -> LiveFiles | None:
        """The live files of the current version, or None when the table does not exist."""

    def commit(self, files: Sequence[DataFile], schema: pa.Schema, *, mode: str, metadata: dict[str, str],
               partition_by: Sequence[str] | None = None, remove: Sequence[str] = (),
               schema_mode: str | None = None) -> Commit:
        """Commit ``files`` (already under ``folder``) in one transaction: ``mode`` is
        ``overwrite`` (every live file removed) or ``append``; ``remove`` names live files
        (``LiveFiles.paths``) a copy-on-write rewrite replaces."""


def file_table(fmt: Any, relation: Relation) -> FileTable:
    """``relation`` in ``fmt`` as a FileTable; FormatError for a format that cannot take files."""
    if getattr(fmt, "name", None) == "delta":
        from weir.formats.external_delta import DeltaFiles

        return DeltaFiles(fmt, relation)
    if getattr(fmt, "name", None) == "iceberg":
        from weir.formats.external_iceberg import IcebergFiles

        return IcebergFiles(fmt, relation)
    raise FormatError(f"the {getattr(fmt, 'name', fmt)} table format cannot commit files written by Spark",
                      hint="use table_format: delta or iceberg on the Spark engine")


def storage_of(fmt: Any) -> S3Storage:
    """The S3 connection of a format's warehouse (credentials as the format got them)."""
    storage = getattr(fmt, "storage", None)
    if isinstance(storage, S3Storage):
        return storage
    opts = getattr(fmt, "storage_options", None) or {}
    return S3Storage(endpoint=opts.get("AWS_ENDPOINT_URL"), region=opts.get("AWS_REGION"),
                     allow_http=opts.get("AWS_ALLOW_HTTP") == "true", access_key=opts.get("AWS_ACCESS_KEY_ID"),
                     secret_key=opts.get("AWS_SECRET_ACCESS_KEY"), session_token=opts.get("AWS_SESSION_TOKEN"))


def live_files(fmt: Any, relation: Relation) -> LiveFiles | None:
    """The live files of the table's current version, or None when it does not exist."""
    return file_table(fmt, relation).live()


def local(uri: str) -> str:
    """A ``file:`` URI as a plain path; other URIs unchanged."""
    return unquote(urlparse(uri).path) if uri.startswith("file:") else uri


def relative(location: str, uri: str) -> str:
    """A data file's path relative to the table folder (as the Delta log names it)."""
    path = local(uri)
    base = local(location).rstrip("/") + "/"
    return path[len(base):] if path.startswith(base) else path


__all__ = ["DataFile", "FileTable", "LiveFiles", "file_table", "live_files", "local", "relative", "storage_of"]
