"""MongoDB source (pymongo): a collection's documents, optionally filtered and projected,
full or incremental by a field (``updated_at``, ``_id``, ...).

Documents are streamed from a server-side cursor (``batch_size`` at a time) into a disk
spool, typed over all documents (``weir.ingest.spool``) and read back in cursor order:
ObjectId -> string (24 hex digits, which sort like the ObjectIds), datetime -> timestamp
(UTC), Decimal128 -> text, nested documents -> ``parent__child`` columns, or JSON text with
``nested: json``; arrays -> lists.

    from weir.ingest import load, mongo
    load(mongo.collection("mongodb://app@db/", "shop", "orders", cursor="updated_at"),
         into="raw.orders", mode="incremental", project=".")

weir's tests run against nx-27017 (a MongoDB wire-protocol server on SQLite), not MongoDB.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from weir.errors import ConfigError, MissingExtraError
from weir.ingest.base import IngestError, SourceAuthError, SourceUnavailable, decode_cursor
from weir.ingest.spool import Spool, SpooledSource
from weir.ingest.sql import render_secret, scrub

_AUTH_CODES = (13, 18)  # Unauthorized, AuthenticationFailed


def _pymongo() -> Any:
    try:
        import pymongo
    except ImportError:
        raise MissingExtraError("pymongo", "mongo") from None
    return pymongo


class MongoSource(SpooledSource):
    """One collection of a MongoDB database; see the module docstring."""

    kind = "mongo"
    tracks_position = False
    _record_noun = "documents"

    def __init__(self, uri: str, database: str, collection: str, *, filter: Mapping[str, Any] | None = None,
                 projection: Mapping[str, Any] | Sequence[str] | None = None, cursor: str | None = None,
                 nested: str = "flatten", name: str | None = None, primary_key: Sequence[str] = (),
                 batch_size: int = 100_000) -> None:
        if nested not in ("flatten", "json"):
            raise ConfigError(f"mongo source {name or collection}: nested: {nested!r} is not flatten or json")
        self.uri, self.database, self.collection = uri, database, collection
        self.filter = dict(filter or {})
        self.projection = projection
        self.cursor = cursor
        self.nested = nested
        self.name = name or f"{database}.{collection}"
        self.primary_key = tuple(primary_key)
        self.batch_size = int(batch_size)
        self._spool: Spool | None = None

    def where(self) -> str:
        return scrub(re.sub(r"//[^@/]*@", "//", self.uri), []) + f" {self.database}.{self.collection}"

    def describe(self) -> str:
        return f"mongo source {self.name} ({self.where()})"

    def __repr__(self) -> str:
        return f"<{self.describe()}>"

    # -- the Source protocol -----------------------------------------------------------------------
    def query(self, state: dict[str, Any]) -> dict[str, Any]:
        """The find() filter: the configured one, and ``cursor >= stored value`` when there is one."""
        if not self.cursor or state.get("cursor") is None:
            return dict(self.filter)
        type_ = _arrow_type(state.get("cursor_type"))
        value: Any = decode_cursor(str(state["cursor"]), type_)
        if self.cursor == "_id" and isinstance(value, str) and re.fullmatch(r"[0-9a-f]{24}", value):
            from bson import ObjectId

            value = ObjectId(value)
        bound = {self.cursor: {"$gte": value}}
        return {"$and": [self.filter, bound]} if self.filter else bound

    def prepare(self, state: dict[str, Any]) -> None:
        """Stream the matching documents into the spool."""
        pymongo = _pymongo()
        if self._spool is not None:
            self._spool.close()
        self._spool = Spool(self.nested)
        uri = str(render_secret(self.uri))
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=10_000, tz_aware=False)
        try:
            coll = client[self.database][self.collection]
            found = coll.find(self.query(state), self.projection, batch_size=min(self.batch_size, 10_000))
            if self.cursor:
                found = found.sort(self.cursor, pymongo.ASCENDING)
            chunk: list[dict[str, Any]] = []
            for doc in found:
                chunk.append(doc)
                if len(chunk) >= 10_000:
                    self._spool.add(chunk)
                    chunk = []
            self._spool.add(chunk)
        except pymongo.errors.OperationFailure as exc:
            detail = scrub(" ".join(str(exc).split()), [uri])
            if exc.code in _AUTH_CODES:
                raise SourceAuthError(f"{self.describe()}: authentication failed: {detail}",
                                      hint="check the user and password of the source's uri") from None
            raise IngestError(f"{self.describe()}: query failed: {detail}") from None
        except pymongo.errors.PyMongoError as exc:
            raise SourceUnavailable(f"{self.describe()}: cannot read: {scrub(' '.join(str(exc).split()), [uri])}",
                                    hint="is the server running and reachable from here?") from None
        finally:
            client.close()


def _arrow_type(text: Any) -> pa.DataType:
    """The Arrow type of a stored ``cursor_type`` (its ``str()``), string when unknown."""
    text = str(text or "string")
    m = re.fullmatch(r"timestamp\[(\w+)(?:, tz=(.+))?\]", text)
    if m:
        return pa.timestamp(m.group(1), tz=m.group(2))
    return {"int64": pa.int64(), "int32": pa.int32(), "double": pa.float64(), "date32[day]": pa.date32()}.get(
        text, pa.string())


def collection(uri: str, database: str, collection: str, *, filter: Mapping[str, Any] | None = None,
               projection: Mapping[str, Any] | Sequence[str] | None = None, cursor: str | None = None,
               nested: str = "flatten", name: str | None = None, primary_key: Sequence[str] = (),
               batch_size: int = 100_000) -> MongoSource:
    """A MongoDB collection as a source (``uri`` may use ``{{ env_var('X') }}``)."""
    return MongoSource(uri, database, collection, filter=filter, projection=projection, cursor=cursor, nested=nested,
                       name=name, primary_key=primary_key, batch_size=batch_size)


__all__ = ["MongoSource", "collection"]
