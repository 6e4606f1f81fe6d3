"""Pure graph layer: nodes, the DAG and dbt-style selection."""

from weir.graph.dag import Graph
from weir.graph.node import Column, Node, TestSpec
from weir.graph.selection import select

__all__ = ["Column", "Graph", "Node", "TestSpec", "select"]
