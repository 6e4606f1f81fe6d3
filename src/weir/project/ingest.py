"""Load-time checks of a source's ``ingest:`` block, so a typo is reported with the file
and line before anything connects (the ingest layer reads the block at run time)."""

from __future__ import annotations

import difflib
from typing import Any

from weir.errors import ConfigError
from weir.graph import Node

TYPES = ("postgres", "mysql", "files", "rest", "mongo")
MODES = ("full", "incremental", "merge")
CONTRACTS = ("evolve", "freeze", "discard_row")
KEYS: tuple[str, ...] = ("type", "connection", "dsn", "contract", "batch_size", "table", "query", "mode", "cursor", "primary_key",
        "soft_delete", "table_format", "enabled")
# files / rest / mongo sources (weir.ingest.files, .rest, .mongo)
KEYS += ("path", "format", "delimiter", "header", "column_names", "quote", "escape", "encoding", "null_values",
         "multiline", "columns", "nested", "storage_options", "file_column",
         "base_url", "endpoint", "params", "data_selector", "paginator", "headers", "auth", "cursor_param",
         "timeout", "max_retries", "uri", "database", "collection", "filter", "projection")
_OWN_CONNECTION = ("files", "rest", "mongo")  # no connection:/dsn: (path, base_url, uri instead)


def validate_ingest(node: Node) -> None:
    """Raise ConfigError naming the YAML file, line and key of a bad ``ingest:`` block."""
    block: dict[str, Any] = node.config.get("ingest") or {}

    def fail(message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"source {node.name}: {message}", path=node.path, line=node.line, node=node.name,
                           hint=hint)

    for key in block:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            raise fail(f"unknown ingest key {key!r}", f"did you mean {close[0]!r}?" if close else
                       f"allowed: {', '.join(KEYS)}")
    for key, allowed in (("type", TYPES), ("mode", MODES), ("contract", CONTRACTS)):
        value = block.get(key)
        if key == "type" and value is None:
            raise fail("the ingest block needs a type", f"allowed: {', '.join(TYPES)}")
        if value is not None and str(value) not in allowed:
            close = difflib.get_close_matches(str(value), allowed, n=1)
            raise fail(f"invalid ingest {key} {value!r}", (f"did you mean {close[0]!r}? " if close else "")
                       + f"allowed: {', '.join(allowed)}")
    if block.get("type") not in _OWN_CONNECTION and ("connection" in block) == ("dsn" in block):
        raise fail("the ingest block needs exactly one of connection: (a mapping) or dsn:")
    if "connection" in block and not isinstance(block["connection"], dict):
        raise fail("ingest connection: must be a mapping (host, port, user, password, dbname)")
    if "table" in block and "query" in block:
        raise fail("give the ingest block table: or query:, not both")
    mode = block.get("mode", "full")
    if mode == "incremental" and not block.get("cursor") and block.get("type") != "files":
        raise fail("ingest mode incremental needs a cursor column", "add cursor: <column>")
    if mode == "merge" and not block.get("primary_key"):
        raise fail("ingest mode merge needs a primary_key", "add primary_key: [<column>, ...]")
    soft = block.get("soft_delete")
    if soft is not None and (mode != "merge" or not isinstance(soft, dict) or "column" not in soft):
        raise fail("soft_delete needs mode merge and the form {column: <name>, value: <flag value>}")
    size = block.get("batch_size", 1)
    if not isinstance(size, int) or size < 1:
        raise fail(f"ingest batch_size must be a positive integer, got {size!r}")
