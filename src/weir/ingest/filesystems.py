"""Where file sources read: local paths or ``s3://bucket/prefix`` globs through pyarrow.fs.

S3 settings come from the ingest block's ``storage_options`` (``endpoint_url``,
``access_key_id``, ``secret_access_key``, ``region``, ``allow_http``; the ``AWS_*`` spellings
of delta-rs are accepted too; values may be ``{{ env_var('X') }}``), else from the
``AWS_*`` environment. Keys are only handed to pyarrow, never logged nor put in errors.

Globs: ``*`` and ``?`` match within one path segment, ``**`` matches across segments,
``[abc]`` a character class.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow.fs as pafs

from weir.errors import ConfigError
from weir.ingest.base import SourceAuthError, SourceUnavailable
from weir.ingest.sql import render_secret

_KEYS = {  # our name -> accepted spellings (block, then environment)
    "endpoint_url": ("endpoint_url", "endpoint", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"),
    "access_key_id": ("access_key_id", "access_key", "AWS_ACCESS_KEY_ID"),
    "secret_access_key": ("secret_access_key", "secret_key", "AWS_SECRET_ACCESS_KEY"),
    "session_token": ("session_token", "AWS_SESSION_TOKEN"),
    "region": ("region", "AWS_REGION", "AWS_DEFAULT_REGION"),
    "allow_http": ("allow_http", "AWS_ALLOW_HTTP"),
}


@dataclass(frozen=True)
class FileEntry:
    """One matched file and its identity (a changed size or mtime makes it a new file)."""

    path: str  # as the user sees it: /abs/path.csv or s3://bucket/key.csv
    size: int
    mtime_ns: int

    @property
    def identity(self) -> list[int]:
        return [self.size, self.mtime_ns]


def s3_settings(options: Mapping[str, Any] | None) -> dict[str, str]:
    """S3 settings from the block's ``storage_options`` then the environment."""
    given = {k: render_secret(v) for k, v in (options or {}).items() if v is not None}
    out: dict[str, str] = {}
    for key, names in _KEYS.items():
        for name in names:
            if name in given:
                out[key] = str(given[name])
                break
        else:
            for name in names:
                if name.startswith("AWS_") and os.environ.get(name):
                    out[key] = os.environ[name]
                    break
    return out


def filesystem(url: str, options: Mapping[str, Any] | None = None) -> tuple[pafs.FileSystem, str]:
    """(filesystem, path inside it) for a local path or an ``s3://`` URL."""
    if url.startswith("s3://") or url.startswith("s3a://"):
        s = s3_settings(options)
        endpoint = s.get("endpoint_url", "")
        scheme = "http" if endpoint.startswith("http://") or s.get("allow_http", "").lower() == "true" else "https"
        fs = pafs.S3FileSystem(
            access_key=s.get("access_key_id"), secret_key=s.get("secret_access_key"),
            session_token=s.get("session_token"), region=s.get("region") or "us-east-1",
            endpoint_override=re.sub(r"^https?://", "", endpoint) or None, scheme=scheme)
        return fs, url.split("://", 1)[1]
    if url.startswith("file://"):
        url = url[len("file://"):]
    if "://" in url:
        raise ConfigError(f"unsupported file location {url!r}", hint="use a local path or an s3:// URL")
    return pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(url))


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob pattern (see the module docstring)."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def list_files(url: str, options: Mapping[str, Any] | None, where: str) -> tuple[pafs.FileSystem, list[FileEntry]]:
    """The files matching ``url`` (a path or glob), sorted by path."""
    fs, path = filesystem(url, options)
    prefix = "s3://" if "://" in url and not url.startswith("file://") else ""
    wild = re.search(r"[*?\[]", path)
    try:
        if not wild:
            info = fs.get_file_info(path)
            infos = [info] if info.type == pafs.FileType.File else (
                fs.get_file_info(pafs.FileSelector(path, recursive=True)) if info.type == pafs.FileType.Directory
                else [])
        else:
            base = path[:wild.start()].rsplit("/", 1)[0] or "/"
            rest = path[len(base):]
            selector = pafs.FileSelector(base, recursive="/" in rest.lstrip("/") or "**" in rest, allow_not_found=True)
            regex = glob_regex(path)
            infos = [i for i in fs.get_file_info(selector) if regex.match(i.path)]
    except OSError as exc:
        raise _fs_error(exc, where, url) from None
    files = [FileEntry(prefix + i.path, int(i.size or 0), int(i.mtime_ns or 0)) for i in infos
             if i.type == pafs.FileType.File and not i.base_name.startswith((".", "_"))]
    return fs, sorted(files, key=lambda f: f.path)


def inner(fs: pafs.FileSystem, path: str) -> str:
    """The path of ``path`` inside ``fs`` (without ``s3://``)."""
    return path.split("://", 1)[1] if "://" in path else path


def _fs_error(exc: OSError, where: str, url: str) -> Exception:
    text = " ".join(str(exc).split())
    if "AccessDenied" in text or "InvalidAccessKeyId" in text or "SignatureDoesNotMatch" in text or "403" in text:
        return SourceAuthError(f"{where}: access to {url} was refused: {text}",
                               hint="check the S3 keys (storage_options or AWS_* environment)")
    return SourceUnavailable(f"{where}: cannot list {url}: {text}", hint="is the path right and the store reachable?")
