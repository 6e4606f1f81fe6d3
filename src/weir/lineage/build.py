"""Building a project's lineage from its graph, compiled SQL and known schemas.

The inputs are plain data (the workspace gathers them from the compiler and the engine's
catalog), so this layer never touches an engine. Nodes are analysed parents first: the
output columns found for a model expand ``select *`` in its children even before any
table exists.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from weir.graph import Graph
from weir.lineage.columns import analyze
from weir.lineage.model import NodeLineage
from weir.lineage.trace import Lineage, NodeInfo

log = logging.getLogger("weir.lineage")
ANALYZER_VERSION = "1"
UNKNOWN_TYPE = "UNKNOWN"


@dataclass
class LineageInputs:
    """What the workspace knows: SQL per node, relation names, and column types."""

    #: compiled SQL of SQL nodes (ephemeral parents referenced by their CTE name)
    sql: dict[str, str] = field(default_factory=dict)
    #: table key (``schema.name`` lower-cased, see ``columns.relation_key``) -> unique id
    relations: dict[str, str] = field(default_factory=dict)
    #: rendered relation name per unique id, for display and OpenLineage datasets
    relation_names: dict[str, str] = field(default_factory=dict)
    #: columns and types from the engine's catalog, per unique id
    catalog: dict[str, dict[str, str]] = field(default_factory=dict)
    #: columns declared in schema.yml (type or "" when none is given), per unique id
    declared: dict[str, dict[str, str]] = field(default_factory=dict)


class LineageCache:
    """Column lineage per node, keyed by a hash of its SQL and its parents' schemas; kept in
    a JSON file so an unchanged project is not analysed again."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: dict[str, dict[str, object]] = {}
        self.dirty = False
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == ANALYZER_VERSION:
                    self.entries = data["entries"]
            except (OSError, ValueError, KeyError) as exc:
                log.warning("lineage cache %s is unreadable, rebuilding it: %s", path, exc)

    def get(self, key: str) -> NodeLineage | None:
        data = self.entries.get(key)
        return NodeLineage.from_dict(data) if data is not None else None  # type: ignore[arg-type]

    def put(self, key: str, value: NodeLineage) -> None:
        self.entries[key] = value.to_dict()
        self.dirty = True

    def save(self, keep: set[str]) -> None:
        """Write the entries still in use (``keep``) back to the file."""
        if self.path is None or not self.dirty:
            return
        self.entries = {k: v for k, v in self.entries.items() if k in keep}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": ANALYZER_VERSION, "entries": self.entries}), encoding="utf-8")
        tmp.replace(self.path)


def build_lineage(graph: Graph, inputs: LineageInputs, *, cache: LineageCache | None = None,
                  dialect: str = "duckdb") -> Lineage:
    """Table edges for every node but tests; column lineage for the nodes with SQL."""
    order = [u for u in graph.topological() if graph.nodes[u].resource_type != "test"]
    keep = set(order)
    edges = [(p, u) for u in order for p in graph.parents[u] if p in keep]
    columns: dict[str, NodeLineage] = {}
    schemas: dict[str, dict[str, str]] = {}
    used_keys: set[str] = set()
    declared_only: set[str] = set()
    for uid in order:
        node = graph.nodes[uid]
        sql = inputs.sql.get(uid)
        if sql is not None:
            parent_schemas = {p: schemas[p] for p in graph.parents[uid] if schemas.get(p)}
            key = _cache_key(node.checksum, sql, parent_schemas, dialect)
            used_keys.add(key)
            nl = cache.get(key) if cache is not None else None
            if nl is None or nl.unique_id != uid:
                nl = analyze(sql, uid, inputs.relations, parent_schemas, dialect=dialect)
                trusted = {p: s for p, s in parent_schemas.items() if p not in declared_only}
                if not nl.columns and trusted != parent_schemas:
                    # schema.yml often documents only some columns: retry without those guesses
                    nl = analyze(sql, uid, inputs.relations, trusted, dialect=dialect)
                if cache is not None:
                    cache.put(key, nl)
            columns[uid] = nl
        schemas[uid] = _schema_of(uid, inputs, columns.get(uid))
        if not inputs.catalog.get(uid) and not (uid in columns and columns[uid].columns):
            declared_only.add(uid)
    if cache is not None:
        cache.save(used_keys)
    nodes = {}
    for uid in order:
        node = graph.nodes[uid]
        name = f"{node.source_name}.{node.name}" if node.resource_type == "source" else node.name
        nodes[uid] = NodeInfo(uid, name, node.resource_type, inputs.relation_names.get(uid),
                              tuple(schemas.get(uid) or ()))
    return Lineage(nodes, edges, columns)


def _schema_of(uid: str, inputs: LineageInputs, nl: NodeLineage | None) -> dict[str, str]:
    """A node's columns: the catalog's, else those its SQL yields, else schema.yml's."""
    if inputs.catalog.get(uid):
        return dict(inputs.catalog[uid])
    if nl is not None and nl.columns:
        declared = {k.lower(): v for k, v in (inputs.declared.get(uid) or {}).items()}
        return {c: declared.get(c.lower()) or UNKNOWN_TYPE for c in nl.columns}
    return {c: t or UNKNOWN_TYPE for c, t in (inputs.declared.get(uid) or {}).items()}


def _cache_key(checksum: str, sql: str, schemas: Mapping[str, Mapping[str, str]], dialect: str) -> str:
    h = hashlib.sha256(f"{ANALYZER_VERSION}\x00{dialect}\x00{checksum}\x00{sql}".encode())
    h.update(json.dumps(schemas, sort_keys=True).encode())
    return h.hexdigest()[:24]
