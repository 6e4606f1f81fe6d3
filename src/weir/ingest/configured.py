"""The files, rest and mongo sources an ``ingest:`` block describes (source-level keys
overridden by the table's; the table's name is the default file, endpoint or collection)."""

from __future__ import annotations

from typing import Any

from weir.errors import ConfigError
from weir.graph import Node
from weir.ingest.base import Source


def _keys(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (str(value),) if isinstance(value, str) else tuple(str(v) for v in value)


def configured_source(node: Node, block: dict[str, Any], default_table: str) -> Source:
    """A FilesSource, RestSource or MongoSource for the block of ingest node ``node``."""
    kind = block.get("type")
    common: dict[str, Any] = {"name": node.name, "primary_key": _keys(block.get("primary_key")),
                              "batch_size": int(block.get("batch_size") or 100_000)}

    def need(key: str) -> Any:
        if not block.get(key):
            raise ConfigError(f"source {node.name}: an ingest block of type {kind} needs {key}:", path=node.path,
                              line=node.line, node=node.name)
        return block[key]

    if kind == "files":
        from weir.ingest.files import FilesSource, options_from

        path = str(need("path"))
        if "://" not in path and not path.startswith(("/", "~")) and node.root_path:
            path = f"{node.root_path.rstrip('/')}/{path}"  # relative to the project folder
        return FilesSource(path, options=options_from(block, path), storage_options=block.get("storage_options"),
                           file_column=block.get("file_column"), **common)
    if kind == "rest":
        from weir.ingest.rest import RestSource
        from weir.ingest.rest import options_from as rest_options

        return RestSource(str(need("base_url")), str(block.get("endpoint") or default_table),
                          options=rest_options(block), cursor=block.get("cursor"), **common)
    if kind == "mongo":
        from weir.ingest.mongo import MongoSource

        return MongoSource(str(need("uri")), str(need("database")), str(block.get("collection") or default_table),
                           filter=block.get("filter"), projection=block.get("projection"),
                           cursor=block.get("cursor"), nested=str(block.get("nested") or "flatten"), **common)
    raise ConfigError(f"source {node.name}: unknown ingest type {kind!r}", path=node.path, line=node.line)
