"""Ingestion: load tables of other systems into lakehouse tables, exactly once.

Writing a source (files, REST APIs and MongoDB build on this)
--------------------------------------------------------------
A source is any object with these attributes and methods (``weir.ingest.base.Source``,
a ``typing.Protocol``: no base class needed)::

    name: str                 # "shop.orders": shown in errors, in the app id of the commits
                              # (weir.ingest.<name>) and in the quarantine table
    cursor: str | None        # a column whose values only grow, or None
    primary_key: tuple[str, ...]   # optional attribute: the default keys of a merge

    def schema(self) -> pa.Schema
        # Arrow schema of the batches read() yields (before flattening). Called once,
        # before read(); connect lazily and raise SourceAuthError / SourceUnavailable
        # (weir.ingest.sql.connect_error builds them) naming the source, never a secret.
    def read(self, state: dict) -> Iterator[pa.RecordBatch]
        # Batches of bounded size (the source's batch_size). ``state`` is what next_state
        # returned for the last committed batch ({} on a first or full load). With a
        # cursor: yield rows whose cursor is >= state["cursor"], in cursor order.
    def next_state(self, state: dict, batch: pa.RecordBatch) -> dict
        # The position after ``batch``: JSON-able, stored in the table commit with the
        # batch's rows. Column cursors use weir.ingest.base.cursor_state; a REST source
        # may store a page token or an updated_since value instead.
    def describe(self) -> str
        # "postgres source shop.orders (app@db:5432/shop)": for messages; no secrets.

Nested data: struct columns are flattened to ``parent__child`` columns by the loader
(``weir.ingest.schema.flatten``); a JSON source can yield structs and lists as they are.
Rows a source cannot parse (a malformed CSV line) belong in the quarantine: the
optional hooks listed in ``weir.ingest.base`` (``take_quarantined()`` and friends) hand
them to the loader, which writes them to ``<table>__quarantine`` with the batch.

Loading: ``load(source, into="raw.orders", project=".")`` (``weir.ingest.loader``);
projects declare sources with an ``ingest:`` block (docs/ingestion.md).
"""

from weir.ingest.base import (
    ContractError,
    IngestError,
    LoadSpec,
    SoftDelete,
    Source,
    SourceAuthError,
    SourceUnavailable,
)
from weir.ingest.loader import LoadResult, load

__all__ = ["ContractError", "IngestError", "LoadResult", "LoadSpec", "SoftDelete", "Source", "SourceAuthError",
           "SourceUnavailable", "load"]
