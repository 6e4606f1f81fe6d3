"""A project's lineage: table edges for every node, column edges for SQL nodes, and walks
up or down from a node or one of its columns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from weir.errors import GraphError
from weir.lineage.model import ColumnRef, NodeLineage

#: kind of a column edge known only at table level (Python models, ingestion, streams)
TABLE_LEVEL = "table"


@dataclass(frozen=True)
class NodeInfo:
    """What lineage shows of a node: its name, kind, relation and output columns."""

    unique_id: str
    name: str
    resource_type: str
    relation: str | None = None
    columns: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"unique_id": self.unique_id, "name": self.name, "resource_type": self.resource_type,
                "relation": self.relation, "columns": list(self.columns)}


@dataclass
class Lineage:
    """Table- and column-level lineage of a project, as plain data."""

    nodes: dict[str, NodeInfo]
    edges: list[tuple[str, str]]  # (parent, child) unique ids
    columns: dict[str, NodeLineage] = field(default_factory=dict)

    # -- lookups -------------------------------------------------------------------------
    @cached_property
    def parents(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {u: [] for u in self.nodes}
        for p, c in self.edges:
            out[c].append(p)
        return out

    @cached_property
    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {u: [] for u in self.nodes}
        for p, c in self.edges:
            out[p].append(c)
        return out

    @cached_property
    def _consumers(self) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
        """(upstream node, column) -> [(node, output column, kind)]."""
        out: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for uid, nl in self.columns.items():
            for col, refs in nl.columns.items():
                for r in refs:
                    out.setdefault((r.node, r.column.lower()), []).append((uid, col, r.kind))
        return out

    def find(self, name: str) -> str:
        """A node's unique id from its unique id, name or ``source.table`` name."""
        if name in self.nodes:
            return name
        for kinds in (("model", "seed", "snapshot", "asset"), None):
            for uid, info in self.nodes.items():
                if (kinds is None or info.resource_type in kinds) and name in (info.name, _source_name(uid)):
                    return uid
        raise GraphError(f"no node named {name!r} in the lineage",
                         hint="run `weir ls` to list node names; tests have no lineage")

    def column_refs(self, uid: str, column: str) -> list[ColumnRef]:
        """Upstream columns of one output column (table-level for nodes without SQL lineage)."""
        nl = self.columns.get(uid)
        if nl is not None and nl.columns:
            for name, refs in nl.columns.items():
                if name.lower() == column.lower():
                    return refs
            raise GraphError(f"{self.nodes[uid].name} has no column {column!r}",
                             hint=f"its columns: {', '.join(nl.columns)}")
        return [ColumnRef(p, column, TABLE_LEVEL) for p in self.parents[uid]]

    # -- walks -----------------------------------------------------------------------------
    def upstream(self, uid: str, column: str | None = None, depth: int | None = None) -> dict[str, Any]:
        """A tree of what ``uid`` (or its ``column``) is computed from."""
        return self._tree(uid, column, None, depth, up=True, path=frozenset())

    def downstream(self, uid: str, column: str | None = None, depth: int | None = None) -> dict[str, Any]:
        """A tree of what is computed from ``uid`` (or its ``column``)."""
        return self._tree(uid, column, None, depth, up=False, path=frozenset())

    def _tree(self, uid: str, column: str | None, kind: str | None, depth: int | None, *, up: bool,
              path: frozenset[tuple[str, str | None]]) -> dict[str, Any]:
        info = self.nodes.get(uid)
        node: dict[str, Any] = {"node": uid, "name": info.name if info else uid,
                                "resource_type": info.resource_type if info else "unknown"}
        if column is not None:
            node["column"] = column
        if kind is not None:
            node["kind"] = kind
        key = (uid, column.lower() if column else None)
        if key in path or info is None or (depth is not None and depth <= 0):
            node["upstream" if up else "downstream"] = []
            return node
        nxt = None if depth is None else depth - 1
        steps = self._steps(uid, column, up)
        node["upstream" if up else "downstream"] = [
            self._tree(u, c, k, nxt, up=up, path=path | {key}) for u, c, k in steps]
        return node

    def _steps(self, uid: str, column: str | None, up: bool) -> list[tuple[str, str | None, str | None]]:
        if column is None:
            return [(u, None, None) for u in sorted(self.parents[uid] if up else self.children[uid])]
        if up:
            return [(r.node, r.column, r.kind) for r in self.column_refs(uid, column)]
        out: list[tuple[str, str | None, str | None]] = list(self._consumers.get((uid, column.lower()), ()))
        # nodes with no column lineage (Python models, ingestion, streams) may read any column
        out += [(c, None, TABLE_LEVEL) for c in sorted(self.children[uid])
                if not (c in self.columns and self.columns[c].columns)]
        return sorted(set(out), key=lambda s: (s[0], s[1] or ""))

    # -- data --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": {u: n.to_dict() for u, n in self.nodes.items()},
            "edges": [list(e) for e in self.edges],
            "columns": {u: nl.to_dict() for u, nl in self.columns.items()},
        }

    def subset(self, uids: Iterable[str]) -> Lineage:
        keep = set(uids)
        return Lineage({u: n for u, n in self.nodes.items() if u in keep},
                       [e for e in self.edges if e[0] in keep and e[1] in keep],
                       {u: c for u, c in self.columns.items() if u in keep})


def _source_name(uid: str) -> str:
    parts = uid.split(".")
    return ".".join(parts[-2:]) if parts[0] == "source" else ""
