"""Load-time checks of config values with a fixed set of choices, so a typo is reported
with the file and key before anything runs (not halfway through a build)."""

from __future__ import annotations

import difflib

from weir.errors import ConfigError
from weir.graph import Node
from weir.project.ingest import validate_ingest

CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "model": {
        "materialized": ("view", "table", "incremental", "ephemeral"),
        "incremental_strategy": ("append", "merge", "delete+insert", "insert_overwrite", "microbatch"),
        "on_schema_change": ("ignore", "fail", "append_new_columns", "sync_all_columns"),
        "table_format": ("delta", "iceberg", "duckdb"),
    },
    "seed": {"table_format": ("delta", "iceberg", "duckdb")},
    "snapshot": {
        "strategy": ("timestamp", "check"),
        "hard_deletes": ("ignore", "invalidate", "new_record"),
        "table_format": ("delta", "iceberg", "duckdb"),
    },
    "test": {"severity": ("error", "warn", "ERROR", "WARN")},
}


def validate_node(node: Node) -> None:
    """Raise ConfigError naming the node's file and the bad key."""
    if node.resource_type == "ingest":
        validate_ingest(node)
    for key, allowed in CHOICES.get(node.resource_type, {}).items():
        value = node.config.get(key)
        if value is None:
            continue
        if str(value) not in allowed:
            close = difflib.get_close_matches(str(value), allowed, n=1)
            raise ConfigError(
                f"invalid value {value!r} for config {key!r} of {node.resource_type} {node.name!r}",
                path=node.path, line=node.line, node=node.name,
                hint=(f"did you mean {close[0]!r}? " if close else "") + f"allowed: {', '.join(allowed)}",
            )
    if node.resource_type == "model" and node.materialized == "incremental":
        unique_key = node.config.get("unique_key")
        if unique_key is not None and not isinstance(unique_key, str | list):
            raise ConfigError(f"unique_key of model {node.name!r} must be a column name or a list of them",
                              path=node.path, node=node.name)
    if node.resource_type == "model" and node.language == "python" and node.materialized == "view":
        raise ConfigError(f"Python model {node.name!r} cannot be materialized as a view", path=node.path,
                          node=node.name, hint="use materialized='table' or 'incremental'")
