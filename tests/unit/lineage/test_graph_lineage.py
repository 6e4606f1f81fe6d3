"""Project lineage from a graph: table edges for every node type, column walks up and down,
the per-node cache, and the layered layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from weir.errors import GraphError
from weir.graph import Graph, Node
from weir.graph import TestSpec as Spec
from weir.lineage import LineageCache, LineageInputs, build_lineage
from weir.lineage.layout import layered_layout


def graph() -> Graph:
    nodes = [
        Node("seed.p.countries", "countries", "seed", "p"),
        Node("source.p.raw.orders", "orders", "source", "p", source_name="raw"),
        Node("ingest.p.shop", "shop", "ingest", "p"),
        Node("model.p.stg", "stg", "model", "p", raw_code="-", depends_on=("source.p.raw.orders",)),
        Node("model.p.fct", "fct", "model", "p", raw_code="-", depends_on=("model.p.stg", "seed.p.countries")),
        Node("asset.p.scores", "scores", "asset", "p", language="python", depends_on=("model.p.fct",)),
        Node("test.p.not_null", "not_null_fct_id", "test", "p", depends_on=("model.p.fct",),
             test=Spec("not_null", column_name="id", attached_to="model.p.fct")),
    ]
    return Graph({n.unique_id: n for n in nodes})


def inputs() -> LineageInputs:
    return LineageInputs(
        sql={
            "model.p.stg": 'select id, cast(amount as double) as amount, country from "raw"."orders"',
            # select * over stg: expanded with the columns found for stg, before any table exists
            "model.p.fct": 'select s.*, c.name as country_name from "main"."stg" s '
                           'join "main"."countries" c on c.code = s.country',
        },
        relations={"raw.orders": "source.p.raw.orders", "main.stg": "model.p.stg", "main.countries": "seed.p.countries"},
        catalog={"seed.p.countries": {"code": "VARCHAR", "name": "VARCHAR"}},
    )


def test_table_edges_cover_every_node_type_but_tests() -> None:
    lin = build_lineage(graph(), inputs())
    assert "test.p.not_null" not in lin.nodes
    assert ("model.p.fct", "asset.p.scores") in lin.edges
    assert lin.nodes["source.p.raw.orders"].name == "raw.orders"
    assert lin.nodes["model.p.fct"].columns == ("id", "amount", "country", "country_name")
    assert lin.find("raw.orders") == "source.p.raw.orders" and lin.find("fct") == "model.p.fct"
    with pytest.raises(GraphError, match="no node named 'nope'"):
        lin.find("nope")


def test_column_walks_upstream_and_downstream() -> None:
    lin = build_lineage(graph(), inputs())
    up = lin.upstream("model.p.fct", "amount")["upstream"]
    assert [(u["name"], u["column"], u["kind"]) for u in up] == [("stg", "amount", "direct")]
    assert [(u["name"], u["column"], u["kind"]) for u in up[0]["upstream"]] == [("raw.orders", "amount", "derived")]
    down = lin.downstream("source.p.raw.orders", "country")["downstream"]
    assert [(d["name"], d["column"]) for d in down] == [("stg", "country")]
    below = down[0]["downstream"]
    assert [(d["name"], d["column"], d["kind"]) for d in below] == [("fct", "country", "direct")]
    # a Python asset reads the table: it shows as a table-level consumer of any column
    assert [(d["name"], d.get("column"), d["kind"]) for d in below[0]["downstream"]] == [
        ("scores", None, "table")]
    assert lin.upstream("model.p.fct", "amount", depth=1)["upstream"][0]["upstream"] == []
    with pytest.raises(GraphError, match="has no column 'nope'"):
        lin.upstream("model.p.fct", "nope")


def test_table_level_walk_for_nodes_without_sql() -> None:
    lin = build_lineage(graph(), inputs())
    up = lin.upstream("asset.p.scores")["upstream"]
    assert [u["name"] for u in up] == ["fct"]
    assert sorted(u["name"] for u in up[0]["upstream"]) == ["countries", "stg"]
    refs = lin.column_refs("asset.p.scores", "score")
    assert [(r.node, r.kind) for r in refs] == [("model.p.fct", "table")]


def test_cache_is_reused_and_invalidated_by_sql(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    first = build_lineage(graph(), inputs(), cache=LineageCache(path))
    cache = LineageCache(path)
    assert len(cache.entries) == 2
    again = build_lineage(graph(), inputs(), cache=cache)
    assert not cache.dirty and again.to_dict() == first.to_dict()
    changed = inputs()
    changed.sql["model.p.stg"] = 'select id, amount * 100 as amount, country from "raw"."orders"'
    cache = LineageCache(path)
    lin = build_lineage(graph(), changed, cache=cache)
    assert lin.columns["model.p.stg"].columns["amount"][0].kind == "derived"
    assert cache.dirty and len(LineageCache(path).entries) == 2  # stale entries dropped


def test_lineage_is_json_data() -> None:
    data = build_lineage(graph(), inputs()).to_dict()
    assert data["columns"]["model.p.fct"]["columns"]["country_name"] == [
        {"node": "seed.p.countries", "column": "name", "kind": "direct"}]
    assert {"node": "seed.p.countries", "column": "code", "kind": "join"} in data["columns"]["model.p.fct"]["row_inputs"]


def test_layered_layout_puts_parents_left_of_children() -> None:
    lin = build_lineage(graph(), inputs())
    pos = layered_layout(list(lin.nodes), lin.edges)
    for parent, child in lin.edges:
        assert pos[parent][0] < pos[child][0]
    assert len(set(pos.values())) == len(pos)  # no two nodes overlap
