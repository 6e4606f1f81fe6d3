"""Data files between an ``s3://`` warehouse and a local folder, for an engine that cannot
open S3 itself (Spark without the Hadoop S3A jars): new files are uploaded from a local
staging folder before the commit; live files are downloaded into a local cache keyed by
their S3 path before the engine reads them. Data files never change once written, so a
cached copy stays valid; the cache lives as long as the engine's scratch folder."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from weir.errors import FormatError
from weir.formats.storage import S3Storage, redact

#: parallel transfers (S3 latency, not CPU, bounds them)
WORKERS = 8


def _key(uri: str) -> str:
    """``s3://bucket/key`` (or s3a://) as pyarrow's ``bucket/key``."""
    return uri.split("://", 1)[1]


def cache_path(cache: str, uri: str) -> str:
    """Where the cache keeps ``uri``: the same bucket/key layout under ``cache``."""
    return os.path.join(cache, *_key(uri).split("/"))


class RemoteFiles:
    """Uploads and cached downloads through pyarrow's S3 client with the warehouse's credentials."""

    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage
        self._fs: Any = None

    @property
    def fs(self) -> Any:
        if self._fs is None:
            self._fs = self.storage.arrow_filesystem()
        return self._fs

    def _run(self, doing: str, fn: Any, items: Sequence[Any]) -> list[Any]:
        try:
            with ThreadPoolExecutor(max_workers=min(WORKERS, max(1, len(items)))) as pool:
                return list(pool.map(fn, items))
        except OSError as exc:  # pyarrow's S3 errors: one line, secrets removed
            raise FormatError(f"{doing} failed: {redact(str(exc), self.storage).splitlines()[0]}",
                              hint="check the warehouse's storage credentials and endpoint") from None

    def upload(self, staging: str, paths: Sequence[str], folder: str, cache: str) -> None:
        """Copy ``staging/<path>`` to ``folder/<path>`` (an s3:// folder) for every path, then
        move each local file into the cache (it is the same immutable file)."""

        def one(rel: str) -> None:
            src = os.path.join(staging, rel)
            uri = f"{folder.rstrip('/')}/{rel}"
            with open(src, "rb") as f, self.fs.open_output_stream(_key(uri)) as out:
                shutil.copyfileobj(f, out, 8 << 20)
            dest = cache_path(cache, uri)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.replace(src, dest)

        self._run(f"uploading data files to {folder}", one, list(paths))

    def fetch(self, uris: Sequence[str], cache: str) -> list[str]:
        """Local copies of ``uris`` (s3:// files), downloaded once per path into ``cache``."""

        def one(uri: str) -> str:
            dest = cache_path(cache, uri)
            if os.path.exists(dest):
                return dest
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            tmp = f"{dest}.{uuid.uuid4().hex}.part"  # never a half file under the final name
            with self.fs.open_input_stream(_key(uri)) as src, open(tmp, "wb") as out:
                shutil.copyfileobj(src, out, 8 << 20)
            os.replace(tmp, dest)
            return dest

        return self._run("downloading data files from S3", one, list(uris))


__all__ = ["RemoteFiles", "cache_path"]
