"""The node graph: parents, children, topological order and cycle detection."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from weir.errors import GraphError
from weir.graph.node import Node


@dataclass(frozen=True)
class Graph:
    """An immutable DAG of nodes keyed by unique id."""

    nodes: Mapping[str, Node]
    _extra_edges: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @cached_property
    def parents(self) -> dict[str, tuple[str, ...]]:
        result: dict[str, list[str]] = {uid: [] for uid in self.nodes}
        for uid, node in self.nodes.items():
            for dep in node.depends_on:
                if dep in self.nodes and dep not in result[uid]:
                    result[uid].append(dep)
        for parent, child in self._extra_edges:
            if parent in self.nodes and child in self.nodes and parent not in result[child]:
                result[child].append(parent)
        return {k: tuple(v) for k, v in result.items()}

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        result: dict[str, list[str]] = {uid: [] for uid in self.nodes}
        for uid, parents in self.parents.items():
            for p in parents:
                result[p].append(uid)
        return {k: tuple(v) for k, v in result.items()}

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, uid: object) -> bool:
        return uid in self.nodes

    def topological(self) -> list[str]:
        """Unique ids, parents before children; raises GraphError naming a cycle."""
        indegree = {uid: len(ps) for uid, ps in self.parents.items()}
        ready = sorted(uid for uid, d in indegree.items() if d == 0)
        order: list[str] = []
        while ready:
            uid = ready.pop(0)
            order.append(uid)
            for child in self.children[uid]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
        if len(order) != len(self.nodes):
            raise GraphError(f"dependency cycle: {' -> '.join(self.find_cycle())}")
        return order

    def find_cycle(self) -> list[str]:
        color: dict[str, int] = {}
        stack: list[str] = []

        def visit(uid: str) -> list[str] | None:
            color[uid] = 1
            stack.append(uid)
            for p in self.parents[uid]:
                if color.get(p) == 1:
                    return [*stack[stack.index(p):], p]
                if p not in color and (found := visit(p)):
                    return found
            stack.pop()
            color[uid] = 2
            return None

        for uid in sorted(self.nodes):
            if uid not in color and (found := visit(uid)):
                return [self.nodes[u].name for u in reversed(found)]
        return []

    def ancestors(self, uid: str, depth: int | None = None) -> set[str]:
        return self._walk(uid, self.parents, depth)

    def descendants(self, uid: str, depth: int | None = None) -> set[str]:
        return self._walk(uid, self.children, depth)

    @staticmethod
    def _walk(uid: str, edges: Mapping[str, tuple[str, ...]], depth: int | None) -> set[str]:
        seen: set[str] = set()
        frontier = [uid]
        level = 0
        while frontier and (depth is None or level < depth):
            nxt = []
            for u in frontier:
                for v in edges[u]:
                    if v not in seen:
                        seen.add(v)
                        nxt.append(v)
            frontier = nxt
            level += 1
        return seen

    def subgraph(self, uids: Iterable[str]) -> Graph:
        keep = set(uids)
        return Graph({u: n for u, n in self.nodes.items() if u in keep})

    def version(self, uid: str) -> str:
        """A hash of a node's definition and its parents' versions."""
        cache: dict[str, str] = self.__dict__.setdefault("_versions", {})
        if uid not in cache:
            h = hashlib.sha256(self.nodes[uid].checksum.encode())
            for p in sorted(self.parents[uid]):
                h.update(self.version(p).encode())
            cache[uid] = h.hexdigest()[:16]
        return cache[uid]
