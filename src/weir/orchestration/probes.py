"""Questions a sensor asks the outside world: does a file exist, was a table committed, is a partition there.

Pure functions over paths and table logs (no orchestration state), so they are easy to test and
to reuse. Local paths and globs, ``s3://`` URLs (endpoint and keys from ``storage_options`` or the
``AWS_*`` environment) and any other URL ``pyarrow.fs`` understands. Tables are read through their
own logs — a Delta folder is never read as plain Parquet, which would count removed files.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import glob
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from weir.errors import FormatError, MissingExtraError, TransientError, WeirError

if TYPE_CHECKING:
    import pyarrow.fs as pafs

_GLOB_CHARS = re.compile(r"[*?\[]")
#: formats whose "commits" are plain files (a source's external_location): newest modification time
FILE_FORMATS = frozenset({"files", "parquet", "csv", "json"})
_ICEBERG_METADATA = re.compile(r"^(?:v)?(\d+)(?:-[^/]*)?\.metadata\.json$")


# --------------------------------------------------------------------------- files and objects


def path_exists(url_or_glob: str, storage_options: Mapping[str, str] | None = None) -> bool:
    """Whether a file, folder or S3 object/prefix exists; with ``*``/``?``/``[]``/``**``, whether any matches."""
    if "://" not in url_or_glob or url_or_glob.startswith("file://"):
        path = url_or_glob.removeprefix("file://")
        if _GLOB_CHARS.search(path):
            return next(glob.iglob(path, recursive=True), None) is not None
        return os.path.exists(path)
    fs, path = filesystem_for(url_or_glob, storage_options)
    import pyarrow.fs as pafs

    try:
        if not _GLOB_CHARS.search(path):
            return bool(fs.get_file_info(path).type != pafs.FileType.NotFound)
        base = _GLOB_CHARS.split(path, maxsplit=1)[0].rsplit("/", 1)[0]
        if fs.get_file_info(base).type == pafs.FileType.NotFound:
            return False
        infos = fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
    except OSError as exc:
        raise TransientError(f"cannot check {_redact(url_or_glob)}: {exc}",
                             hint="check the endpoint, bucket and credentials") from None
    return any(glob_match(info.path, path) for info in infos)


def glob_match(path: str, pattern: str) -> bool:
    """Shell-style match per ``/``-separated segment; ``**`` spans any number of segments."""
    return _match_parts(path.strip("/").split("/"), pattern.strip("/").split("/"))


def _match_parts(parts: list[str], pats: list[str]) -> bool:
    if not pats:
        return not parts
    if pats[0] == "**":
        return any(_match_parts(parts[i:], pats[1:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pats[0]) and _match_parts(parts[1:], pats[1:])


def filesystem_for(url: str, storage_options: Mapping[str, str] | None = None) -> tuple[pafs.FileSystem, str]:
    """A pyarrow filesystem and the path inside it for a URL (``s3://`` configured from options/env)."""
    import pyarrow.fs as pafs

    scheme = urlsplit(url).scheme
    if scheme in ("s3", "s3a"):
        return s3_filesystem(storage_options), url.split("://", 1)[1]
    try:
        return pafs.FileSystem.from_uri(url)  # type: ignore[no-any-return]
    except (OSError, ValueError) as exc:
        raise WeirError(f"unsupported location {_redact(url)}: {exc}",
                        hint="use a local path, an s3:// URL, or another URL pyarrow.fs understands") from None


def s3_filesystem(storage_options: Mapping[str, str] | None = None) -> pafs.S3FileSystem:
    """An S3 filesystem from delta-rs-style storage options (``AWS_ENDPOINT_URL``, keys, region), else env."""
    import pyarrow.fs as pafs

    opts = {k.upper(): str(v) for k, v in (storage_options or {}).items()}

    def get(*names: str) -> str | None:
        for name in names:
            value = opts.get(name) or os.environ.get(name)
            if value:
                return value
        return None

    kwargs: dict[str, Any] = {}
    endpoint = get("AWS_ENDPOINT_URL", "AWS_ENDPOINT", "ENDPOINT_URL", "ENDPOINT")
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        kwargs["endpoint_override"] = parts.netloc
        kwargs["scheme"] = parts.scheme
    if get("AWS_ALLOW_HTTP") in ("true", "1", "True") and "scheme" not in kwargs:
        kwargs["scheme"] = "http"
    key, secret = get("AWS_ACCESS_KEY_ID", "ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY", "SECRET_ACCESS_KEY")
    if key and secret:
        kwargs.update(access_key=key, secret_key=secret, session_token=get("AWS_SESSION_TOKEN", "SESSION_TOKEN"))
    region = get("AWS_REGION", "AWS_DEFAULT_REGION", "REGION")
    if region:
        kwargs["region"] = region
    return pafs.S3FileSystem(**kwargs)


def _redact(url: str) -> str:
    """A URL without user info or query string (they may hold credentials)."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


# --------------------------------------------------------------------------- tables


def table_committed_since(format: str, uri: str, since: dt.datetime,
                          storage_options: Mapping[str, str] | None = None) -> bool:
    """Whether the table's newest commit is at or after ``since`` (naive datetimes are UTC)."""
    newest = last_commit_time(format, uri, storage_options)
    return newest is not None and newest >= _aware(since)


def last_commit_time(format: str, uri: str, storage_options: Mapping[str, str] | None = None) -> dt.datetime | None:
    """When the table was last committed (UTC), or None when there is no table at ``uri`` yet.

    Plain files (``files``/``parquet``/``csv``/``json``, a path, folder or glob): the newest modification time.
    """
    if format == "delta":
        table = _delta(uri, storage_options)
        if table is None:
            return None
        entries = table.history(1)
        millis = entries[0].get("timestamp") if entries else None
        return _from_millis(int(millis)) if millis is not None else None
    if format == "iceberg":
        static = _iceberg(uri, storage_options)
        snapshot = static.current_snapshot() if static is not None else None
        return _from_millis(snapshot.timestamp_ms) if snapshot is not None else None
    if format in FILE_FORMATS:
        times = [mtime for _, mtime in _list_files(uri, storage_options)]
        return max(times) if times else None
    raise _unsupported(format, uri)


def partition_exists(format: str, uri: str, values: Mapping[str, Any],
                     storage_options: Mapping[str, str] | None = None) -> bool:
    """Whether a live data file of the table has exactly these partition values (compared as text).

    Delta: the add actions of the log; Iceberg: the current snapshot's data files (partition field
    names); plain files: ``col=value`` folders in their paths.
    """
    want = {k: _text(v) for k, v in values.items()}
    if format == "delta":
        table = _delta(uri, storage_options)
        if table is None:
            return False
        columns = table.metadata().partition_columns
        _check_columns(want, columns, uri)
        import pyarrow as pa

        actions = pa.table(table.get_add_actions(flatten=False))
        if actions.num_rows == 0:
            return False
        found = actions.column("partition").to_pylist()
    elif format == "iceberg":
        static = _iceberg(uri, storage_options)
        if static is None:
            return False
        columns = [f.name for f in static.spec().fields]
        _check_columns(want, columns, uri)
        if static.current_snapshot() is None:
            return False
        found = static.inspect.files().column("partition").to_pylist()
    elif format in FILE_FORMATS:  # hive-style folders: .../day=2024-01-05/region=eu/part-0.parquet
        found = [_hive_values(path) for path, _ in _list_files(uri, storage_options)]
    else:
        raise _unsupported(format, uri)
    return any(all(_text(part.get(k)) == v for k, v in want.items()) for part in found)


def _hive_values(path: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in path.split("/")[:-1] if "=" in part)


def _list_files(uri: str, storage_options: Mapping[str, str] | None) -> list[tuple[str, dt.datetime]]:
    """(path, modification time) of every file at a path, under a folder, or matching a glob."""
    import pyarrow.fs as pafs

    if "://" in uri and not uri.startswith("file://"):
        fs, path = filesystem_for(uri, storage_options)
    else:
        fs, path = pafs.LocalFileSystem(), os.path.abspath(uri.removeprefix("file://"))
    pattern = path if _GLOB_CHARS.search(path) else None
    base = _GLOB_CHARS.split(path, maxsplit=1)[0].rsplit("/", 1)[0] if pattern else path
    try:
        info = fs.get_file_info(base)
        if info.type == pafs.FileType.NotFound:
            return []
        infos = [info] if info.type == pafs.FileType.File else \
            fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
    except OSError as exc:
        raise TransientError(f"cannot list {_redact(uri)}: {exc}") from None
    return [(i.path, _aware(i.mtime)) for i in infos
            if i.type == pafs.FileType.File and i.mtime is not None and (pattern is None or glob_match(i.path, pattern))]


def _check_columns(want: Mapping[str, Any], columns: list[str], uri: str) -> None:
    unknown = sorted(set(want) - set(columns))
    if unknown:
        raise WeirError(f"table at {_redact(uri)} is not partitioned by {', '.join(unknown)}",
                        hint=f"its partition columns are: {', '.join(columns) or '(none)'}")


def _delta(uri: str, storage_options: Mapping[str, str] | None) -> Any:
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    try:
        return DeltaTable(uri, storage_options=dict(storage_options) if storage_options else None)
    except TableNotFoundError:
        return None
    except OSError as exc:
        raise TransientError(f"cannot read the Delta log at {_redact(uri)}: {exc}") from None


def _iceberg(uri: str, storage_options: Mapping[str, str] | None) -> Any:
    """The table's current state from its newest metadata file (``uri`` is the table folder or that file)."""
    try:
        from pyiceberg.table import StaticTable
    except ImportError:
        raise MissingExtraError("pyiceberg", "iceberg") from None
    location = uri if uri.endswith(".metadata.json") else _newest_iceberg_metadata(uri, storage_options)
    if location is None:
        return None
    return StaticTable.from_metadata(location, properties=_iceberg_properties(storage_options))


def _newest_iceberg_metadata(uri: str, storage_options: Mapping[str, str] | None) -> str | None:
    import pyarrow.fs as pafs

    if "://" in uri and not uri.startswith("file://"):
        fs, path = filesystem_for(uri, storage_options)
        prefix = uri.split("://", 1)[0] + "://"
    else:
        fs, path, prefix = pafs.LocalFileSystem(), os.path.abspath(uri.removeprefix("file://")), ""
    infos = fs.get_file_info(pafs.FileSelector(f"{path.rstrip('/')}/metadata", allow_not_found=True))
    numbered = [(int(m.group(1)), i.path) for i in infos if (m := _ICEBERG_METADATA.match(i.base_name))]
    return prefix + max(numbered)[1] if numbered else None


def _iceberg_properties(storage_options: Mapping[str, str] | None) -> dict[str, str]:
    opts = {k.upper(): str(v) for k, v in (storage_options or {}).items()}
    mapping = {"AWS_ENDPOINT_URL": "s3.endpoint", "AWS_ACCESS_KEY_ID": "s3.access-key-id",
               "AWS_SECRET_ACCESS_KEY": "s3.secret-access-key", "AWS_REGION": "s3.region"}
    return {prop: opts[key] for key, prop in mapping.items() if key in opts}


def _unsupported(format: str, uri: str) -> FormatError:
    return FormatError(f"cannot read commits of a {format!r} table ({_redact(uri)})",
                       hint="table sensors support Delta and Iceberg tables and plain files (external_location)")


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _from_millis(millis: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
