"""Lineage: table edges from the graph, column edges from parsed SQL (sqlglot)."""

from weir.lineage.build import LineageCache, LineageInputs, build_lineage
from weir.lineage.columns import analyze, relation_key
from weir.lineage.model import ColumnRef, NodeLineage
from weir.lineage.trace import Lineage, NodeInfo

__all__ = ["ColumnRef", "Lineage", "LineageCache", "LineageInputs", "NodeInfo", "NodeLineage", "analyze",
           "build_lineage", "relation_key"]
