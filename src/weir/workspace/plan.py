"""Plans are data: which nodes a command runs, in what dependency order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from weir.graph import Graph, select

COMMAND_TYPES = {
    "build": ("ingest", "model", "asset", "seed", "snapshot", "test"),
    "ingest": ("ingest",),
    "run": ("model", "asset"),
    "seed": ("seed",),
    "snapshot": ("snapshot",),
    "test": ("test",),
    "compile": ("model", "asset", "snapshot", "test"),
}


@dataclass(frozen=True)
class Step:
    unique_id: str
    resource_type: str
    parents: tuple[str, ...]  # steps of this plan that must finish first


@dataclass(frozen=True)
class Plan:
    command: str
    steps: tuple[Step, ...]
    full_refresh: bool = False
    skipped_by_selection: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def ids(self) -> list[str]:
        return [s.unique_id for s in self.steps]


def make_plan(graph: Graph, command: str, select_: Sequence[str] | None, exclude: Sequence[str] | None,
              *, full_refresh: bool = False) -> Plan:
    types = COMMAND_TYPES[command]
    chosen = select(graph, select_, exclude)
    if "ingest" in types:  # a selected source brings the ingestion that fills it
        chosen |= {p for u in list(chosen) if graph.nodes[u].resource_type == "source"
                   for p in graph.parents[u] if graph.nodes[p].resource_type == "ingest"}
    # dbt's indirect selection: tests of selected nodes come along
    if "test" in types and select_:
        for uid, node in graph.nodes.items():
            if node.resource_type == "test" and node.depends_on and all(
                    d in chosen or graph.nodes[d].resource_type == "source" or d not in graph for d in node.depends_on
            ) and any(d in chosen for d in node.depends_on):
                chosen.add(uid)
    if exclude:
        chosen -= select(graph, exclude, None)
    ids = [u for u in graph.topological() if u in chosen and graph.nodes[u].resource_type in types]
    in_plan = set(ids)
    extra: dict[str, set[str]] = {u: set() for u in ids}
    if command == "build":  # a node's tests gate its children
        for u in ids:
            node = graph.nodes[u]
            if node.resource_type != "test":
                continue
            upstream = graph.ancestors(u)
            for parent in node.depends_on:
                for child in graph.children.get(parent, ()):
                    # a test on several nodes (relationships) must not wait for its own inputs
                    if child in in_plan and graph.nodes[child].resource_type != "test" and child not in upstream:
                        extra[child].add(u)
    steps = []
    for u in ids:
        # every planned ancestor (not just direct parents: unselected nodes may sit between)
        parents = {a for a in graph.ancestors(u) if a in in_plan} | extra[u]
        steps.append(Step(u, graph.nodes[u].resource_type, tuple(sorted(parents))))
    return Plan(command, tuple(steps), full_refresh)
