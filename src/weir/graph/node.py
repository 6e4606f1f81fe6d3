"""Nodes of the project graph: models, seeds, snapshots, tests, sources, analyses.

Nodes are immutable; anything computed later (compiled SQL, results) lives elsewhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

MATERIALIZING = ("model", "seed", "snapshot", "asset")


@dataclass(frozen=True)
class Column:
    """A documented column of a model, seed, snapshot or source."""

    name: str
    description: str = ""
    data_type: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class TestSpec:
    """What a data test checks: a generic test call or a singular SQL file."""

    test_name: str  # e.g. "not_null", "dbt_utils.expression_is_true", or "singular"
    kwargs: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    column_name: str | None = None
    attached_to: str | None = None  # unique_id of the model/seed/snapshot/source tested
    namespace: str | None = None


@dataclass(frozen=True)
class Node:
    """One unit of work or data in a project."""

    unique_id: str
    name: str
    resource_type: str  # model | seed | snapshot | asset | test | source | analysis
    package: str
    path: str = ""  # path relative to the package root, e.g. models/staging/stg_orders.sql
    root_path: str = ""  # absolute folder of the package
    raw_code: str = ""
    language: str = "sql"
    config: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    depends_on: tuple[str, ...] = ()
    fqn: tuple[str, ...] = ()
    description: str = ""
    columns: tuple[Column, ...] = ()
    test: TestSpec | None = None
    # sources: where the data lives
    source_name: str | None = None
    line: int | None = None

    @property
    def materialized(self) -> str:
        if self.resource_type == "seed":
            return "seed"
        if self.resource_type == "snapshot":
            return "snapshot"
        return str(self.config.get("materialized", "view"))

    @property
    def tags(self) -> tuple[str, ...]:
        tags = self.config.get("tags") or ()
        return tuple([tags] if isinstance(tags, str) else tags)

    @property
    def enabled(self) -> bool:
        return bool(self.config.get("enabled", True))

    @property
    def is_relation(self) -> bool:
        """Whether the node leaves a relation (table or view) in the warehouse."""
        return self.resource_type in MATERIALIZING and self.materialized != "ephemeral"

    @property
    def checksum(self) -> str:
        data = f"{self.raw_code}\x00{sorted((k, repr(v)) for k, v in self.config.items())}"
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"Node({self.unique_id})"
