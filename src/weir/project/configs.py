"""dbt's config hierarchy: dbt_project.yml folder trees, schema.yml properties and
``config()`` calls, merged the way dbt merges them."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

# Keys that are configs even without a leading "+" (dbt's known config names).
KNOWN_CONFIGS = frozenset(
    """
    materialized schema database alias tags enabled persist_docs pre-hook post-hook pre_hook post_hook
    full_refresh unique_key incremental_strategy on_schema_change meta docs grants contract column_types
    quote_columns delimiter strategy updated_at check_cols target_schema target_database
    invalidate_hard_deletes hard_deletes severity store_failures store_failures_as where limit warn_if
    error_if fail_calc partition_by cluster_by sql_header on_configuration_change packages group access
    snapshot_meta_column_names dbt_valid_to_current table_format incremental_predicates predicates
    file_format location batch_size lookback begin event_time concurrent_batches merge_update_columns
    merge_exclude_columns on_fail gate metrics anomaly
    """.split()
)
APPEND_KEYS = frozenset({"tags", "pre-hook", "post-hook", "pre_hook", "post_hook"})
MERGE_KEYS = frozenset({"meta", "docs", "persist_docs", "column_types", "grants"})


def normalize_key(key: str) -> str:
    key = key[1:] if key.startswith("+") else key
    return {"pre_hook": "pre-hook", "post_hook": "post-hook"}.get(key, key)


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``update`` over ``base`` with dbt's rules: tags/hooks append, meta merges."""
    out = dict(base)
    for raw_key, value in update.items():
        key = normalize_key(raw_key)
        if key in APPEND_KEYS:
            old = out.get(key) or []
            old = [old] if isinstance(old, str) else list(old)
            new = [value] if isinstance(value, str) else list(value or [])
            out[key] = old + [v for v in new if v not in old or key not in ("tags",)]
        elif key in MERGE_KEYS and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = copy.deepcopy(value) if isinstance(value, dict | list) else value
    return out


def _is_config(key: str, value: Any) -> bool:
    if key.startswith("+"):
        return True
    if key not in KNOWN_CONFIGS:
        return False
    if isinstance(value, Mapping):
        # `meta:`/`docs:` without "+" are configs only when they hold no "+" keys
        # (otherwise they are a folder of that name); dbt makes the same guess.
        return key in MERGE_KEYS and not any(str(k).startswith("+") for k in value)
    return True


def _level_configs(tree: Mapping[str, Any]) -> dict[str, Any]:
    return {normalize_key(k): v for k, v in tree.items() if _is_config(k, v)}


def folder_config(tree: Mapping[str, Any] | None, fqn: Iterable[str]) -> dict[str, Any]:
    """Config for a node at ``fqn`` (package, folders..., name) from a dbt_project.yml tree."""
    if not tree:
        return {}
    config = _level_configs(tree)
    level: Mapping[str, Any] | None = tree
    for part in fqn:
        if level is None:
            break
        child = level.get(part)
        if not isinstance(child, Mapping):
            break
        config = merge(config, _level_configs(child))
        level = child
    return config
