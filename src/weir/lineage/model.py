"""Lineage as plain data: which upstream columns each output column comes from, and how.

Everything here is JSON-able through ``to_dict`` so the CLI, the docs site, OpenLineage
and the web UI read the same structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: how an output column is computed from an upstream column, weakest first
VALUE_KINDS = ("direct", "derived", "window", "aggregated")
#: how an upstream column shapes the rows without giving any output column its value
ROW_KINDS = ("filter", "join", "group_by")


def stronger(a: str, b: str) -> str:
    """The kind of a two-step path: the stronger transformation of the two wins."""
    return a if VALUE_KINDS.index(a) >= VALUE_KINDS.index(b) else b


@dataclass(frozen=True, order=True)
class ColumnRef:
    """One upstream column that feeds an output column (or the rows, for row kinds)."""

    node: str  # unique id of the upstream node, or the table's SQL name when unknown
    column: str
    kind: str = "direct"

    def to_dict(self) -> dict[str, str]:
        return {"node": self.node, "column": self.column, "kind": self.kind}


@dataclass
class NodeLineage:
    """The column lineage of one SQL node (one hop: its direct upstream relations)."""

    unique_id: str
    #: output column -> upstream columns it is computed from, in output order
    columns: dict[str, list[ColumnRef]] = field(default_factory=dict)
    #: upstream columns used in WHERE / JOIN / GROUP BY (they shape rows, not values)
    row_inputs: list[ColumnRef] = field(default_factory=list)
    #: False when some output column could not be traced (unknown schema, unparsable SQL)
    complete: bool = True
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unique_id": self.unique_id,
            "columns": {c: [r.to_dict() for r in refs] for c, refs in self.columns.items()},
            "row_inputs": [r.to_dict() for r in self.row_inputs],
            "complete": self.complete,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NodeLineage:
        return cls(
            unique_id=data["unique_id"],
            columns={c: [ColumnRef(**r) for r in refs] for c, refs in data["columns"].items()},
            row_inputs=[ColumnRef(**r) for r in data["row_inputs"]],
            complete=data["complete"],
            notes=list(data["notes"]),
        )
