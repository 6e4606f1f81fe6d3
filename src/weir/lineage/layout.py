"""A small layered layout of the lineage DAG for the docs site: columns by depth (longest
path from a root), rows ordered by the mean row of each node's parents to cut crossings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

COLUMN_GAP = 230
ROW_GAP = 54
SWEEPS = 4


def layered_layout(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """``{node: (x, y)}`` in pixels, parents left of their children."""
    order = list(nodes)
    parents: dict[str, list[str]] = {n: [] for n in order}
    children: dict[str, list[str]] = {n: [] for n in order}
    for p, c in edges:
        if p in parents and c in parents:
            parents[c].append(p)
            children[p].append(c)
    depth = _depths(order, parents)
    layers: dict[int, list[str]] = {}
    for n in order:
        layers.setdefault(depth[n], []).append(n)
    for layer in layers.values():
        layer.sort()
    for sweep in range(SWEEPS):  # alternate down and up sweeps of the barycenter heuristic
        keys = sorted(layers) if sweep % 2 == 0 else sorted(layers, reverse=True)
        neighbours = parents if sweep % 2 == 0 else children
        for k in keys:
            rows = _rows(layers)
            layers[k].sort(key=lambda n: _barycenter(n, neighbours, rows))
    rows = _rows(layers)
    return {n: (depth[n] * COLUMN_GAP, rows[n] * ROW_GAP) for n in order}


def _depths(order: list[str], parents: Mapping[str, list[str]]) -> dict[str, int]:
    depth: dict[str, int] = {}
    pending = list(order)
    while pending:  # order is topological for graphs from weir; loop again for any other order
        rest = []
        for n in pending:
            if all(p in depth for p in parents[n]):
                depth[n] = 1 + max((depth[p] for p in parents[n]), default=-1)
            else:
                rest.append(n)
        if len(rest) == len(pending):  # a cycle: place the rest after what is known
            for n in rest:
                depth[n] = 1 + max(depth.values(), default=-1)
            break
        pending = rest
    return depth


def _rows(layers: Mapping[int, list[str]]) -> dict[str, int]:
    return {n: i for layer in layers.values() for i, n in enumerate(layer)}


def _barycenter(node: str, neighbours: Mapping[str, list[str]], rows: Mapping[str, int]) -> float:
    near = neighbours[node]
    return sum(rows[p] for p in near) / len(near) if near else rows[node]
