"""dbt's node selection syntax: ``name``, ``+name``, ``name+``, ``2+name``, ``@name``,
``tag:x``, ``path:models/staging``, ``source:raw.orders``, ``resource_type:seed``,
``config.materialized:table``, ``package:x``, ``test_type:generic``; space = union,
comma = intersection; ``*`` wildcards.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence

from weir.errors import GraphError
from weir.graph.dag import Graph
from weir.graph.node import Node

_GRAPH_OPS = re.compile(r"^(?P<at>@)?(?:(?P<up>\d*)\+)?(?P<body>[^+]+?)(?:\+(?P<down>\d*))?$")


def select(graph: Graph, select: Sequence[str] | None, exclude: Sequence[str] | None = None) -> set[str]:
    """Unique ids chosen by ``--select``/``--exclude`` (everything when select is empty)."""
    chosen = _union(graph, select) if select else set(graph.nodes)
    if exclude:
        chosen -= _union(graph, exclude)
    return chosen


def _union(graph: Graph, specs: Iterable[str]) -> set[str]:
    result: set[str] = set()
    for spec in specs:
        for word in spec.split():
            parts = [p for p in word.split(",") if p]
            sets = [_one(graph, p) for p in parts]
            if sets:
                result |= set.intersection(*sets)
    return result


def _one(graph: Graph, spec: str) -> set[str]:
    m = _GRAPH_OPS.match(spec)
    if not m:
        raise GraphError(f"cannot parse selector {spec!r}")
    base = _match(graph, m["body"])
    if not base:
        return set()
    result = set(base)
    for uid in base:
        if m["at"]:
            for d in graph.descendants(uid) | {uid}:
                result |= {d} | graph.ancestors(d)
        if m["up"] is not None:
            result |= graph.ancestors(uid, int(m["up"]) if m["up"] else None)
        if m["down"] is not None:
            result |= graph.descendants(uid, int(m["down"]) if m["down"] else None)
    return result


def _match(graph: Graph, body: str) -> set[str]:
    method, _, value = body.partition(":") if ":" in body else ("", "", body)
    if not method:
        return {uid for uid, n in graph.nodes.items() if _default_match(n, value)}
    checker = _METHODS.get(method.split(".")[0])
    if checker is None:
        raise GraphError(
            f"unknown selector method {method!r} in {body!r}",
            hint="use one of: " + ", ".join(sorted(_METHODS)),
        )
    return {uid for uid, n in graph.nodes.items() if checker(n, value, method)}


def _glob(value: str, candidate: str) -> bool:
    return fnmatch.fnmatchcase(candidate, value)


def _default_match(node: Node, value: str) -> bool:
    if "/" in value or value.endswith((".sql", ".py", ".csv")):
        return _path(node, value, "path")
    if _glob(value, node.name):
        return True
    if "." in value:  # fqn-style: package.folder.model or source-style
        return _fqn(node, value, "fqn")
    return node.package == value and node.resource_type != "source"


def _path(node: Node, value: str, _: str) -> bool:
    value = value.rstrip("/")
    if node.path == value or node.path.startswith(value + "/") or _glob(value, node.path):
        return True
    parts = node.path.split("/")
    return any(_glob(value, "/".join(parts[:i])) for i in range(1, len(parts)))


def _fqn(node: Node, value: str, _: str) -> bool:
    parts = value.split(".")
    fqn = list(node.fqn)
    if len(parts) > len(fqn):
        return False
    return all(_glob(p, f) for p, f in zip(parts, fqn, strict=False))


def _tag(node: Node, value: str, _: str) -> bool:
    return any(_glob(value, t) for t in node.tags)


def _source(node: Node, value: str, _: str) -> bool:
    if node.resource_type != "source":
        return False
    src, _, table = value.partition(".")
    return _glob(src, node.source_name or "") and (not table or _glob(table, node.name))


def _resource_type(node: Node, value: str, _: str) -> bool:
    return node.resource_type == value


def _config(node: Node, value: str, method: str) -> bool:
    key = method.split(".", 1)[1] if "." in method else ""
    got = node.config.get(key)
    if isinstance(got, list | tuple):
        return any(str(g) == value for g in got)
    return str(got).lower() == value.lower() if got is not None else False


def _package(node: Node, value: str, _: str) -> bool:
    return node.package == value


def _test_type(node: Node, value: str, _: str) -> bool:
    if node.test is None:
        return False
    kind = "singular" if node.test.test_name == "singular" else "generic"
    return kind == value


def _test_name(node: Node, value: str, _: str) -> bool:
    return node.test is not None and _glob(value, node.test.test_name.split(".")[-1])


_METHODS = {
    "path": _path,
    "fqn": _fqn,
    "tag": _tag,
    "source": _source,
    "resource_type": _resource_type,
    "config": _config,
    "package": _package,
    "test_type": _test_type,
    "test_name": _test_name,
    "file": lambda n, v, _: n.path.rsplit("/", 1)[-1] in (v, v + ".sql", v + ".py"),
}
