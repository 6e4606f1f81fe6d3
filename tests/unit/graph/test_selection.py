"""dbt's node selection syntax on a small hand-built graph, and cycle detection.

The graph (data flows left to right)::

    raw_orders (seed) -> stg_orders -> int_orders (ephemeral) -> fct_orders -> rpt_daily
    raw_customers (seed) -> stg_customers ------------------------^      \\-> not_null_fct_orders_order_id
    source raw.payments -> stg_payments
"""

from __future__ import annotations

import itertools

import pytest

from weir.errors import GraphError
from weir.graph import Graph, Node, select
from weir.graph.node import TestSpec as Spec

PKG = "shop"


def _model(name: str, path: str, deps: tuple[str, ...] = (), **config: object) -> Node:
    folders = tuple(path.split("/")[1:-1])
    return Node(
        unique_id=f"model.{PKG}.{name}", name=name, resource_type="model", package=PKG, path=path,
        config={"materialized": "view", **config}, depends_on=deps, fqn=(PKG, *folders, name),
    )


def _seed(name: str) -> Node:
    return Node(unique_id=f"seed.{PKG}.{name}", name=name, resource_type="seed", package=PKG,
                path=f"seeds/{name}.csv", fqn=(PKG, name))


def _graph() -> Graph:
    nodes = [
        _seed("raw_orders"),
        _seed("raw_customers"),
        Node(unique_id=f"source.{PKG}.raw.payments", name="payments", resource_type="source", package=PKG,
             path="models/staging/sources.yml", fqn=(PKG, "raw", "payments"), source_name="raw"),
        _model("stg_orders", "models/staging/stg_orders.sql", (f"seed.{PKG}.raw_orders",), tags=["staging"]),
        _model("stg_customers", "models/staging/stg_customers.sql", (f"seed.{PKG}.raw_customers",),
               tags=["staging", "pii"]),
        _model("stg_payments", "models/staging/stg_payments.sql", (f"source.{PKG}.raw.payments",),
               tags=["staging"]),
        _model("int_orders", "models/intermediate/int_orders.sql", (f"model.{PKG}.stg_orders",),
               materialized="ephemeral"),
        _model("fct_orders", "models/marts/fct_orders.sql",
               (f"model.{PKG}.int_orders", f"model.{PKG}.stg_customers"),
               materialized="table", tags=["finance", "daily"]),
        _model("rpt_daily", "models/marts/reporting/rpt_daily.sql", (f"model.{PKG}.fct_orders",),
               materialized="table", tags=["daily"]),
        Node(unique_id=f"test.{PKG}.not_null_fct_orders_order_id.abc", name="not_null_fct_orders_order_id",
             resource_type="test", package=PKG, path="models/marts/schema.yml",
             depends_on=(f"model.{PKG}.fct_orders",), fqn=(PKG, "marts", "not_null_fct_orders_order_id"),
             test=Spec("not_null", column_name="order_id", attached_to=f"model.{PKG}.fct_orders")),
    ]
    return Graph({n.unique_id: n for n in nodes})


@pytest.fixture(scope="module")
def graph() -> Graph:
    return _graph()


def names(graph: Graph, chosen: set[str]) -> set[str]:
    return {graph.nodes[u].name for u in chosen}


def sel(graph: Graph, *specs: str, exclude: tuple[str, ...] = ()) -> set[str]:
    return names(graph, select(graph, list(specs), list(exclude) or None))


ALL_NAMES = {"raw_orders", "raw_customers", "payments", "stg_orders", "stg_customers", "stg_payments",
             "int_orders", "fct_orders", "rpt_daily", "not_null_fct_orders_order_id"}


def test_empty_selection_is_everything(graph: Graph) -> None:
    assert names(graph, select(graph, None)) == ALL_NAMES
    assert names(graph, select(graph, [])) == ALL_NAMES


def test_plain_name(graph: Graph) -> None:
    assert sel(graph, "fct_orders") == {"fct_orders"}
    assert sel(graph, "raw_orders") == {"raw_orders"}


def test_unknown_name_selects_nothing(graph: Graph) -> None:
    assert sel(graph, "no_such_model") == set()


def test_plus_prefix_selects_all_ancestors(graph: Graph) -> None:
    assert sel(graph, "+fct_orders") == {
        "fct_orders", "int_orders", "stg_orders", "raw_orders", "stg_customers", "raw_customers"}


def test_plus_suffix_selects_all_descendants(graph: Graph) -> None:
    assert sel(graph, "stg_orders+") == {
        "stg_orders", "int_orders", "fct_orders", "rpt_daily", "not_null_fct_orders_order_id"}


def test_plus_both_sides(graph: Graph) -> None:
    assert sel(graph, "+int_orders+") == {
        "raw_orders", "stg_orders", "int_orders", "fct_orders", "rpt_daily", "not_null_fct_orders_order_id"}


def test_depth_limited_ancestors(graph: Graph) -> None:
    assert sel(graph, "1+fct_orders") == {"fct_orders", "int_orders", "stg_customers"}
    assert sel(graph, "2+fct_orders") == {
        "fct_orders", "int_orders", "stg_customers", "stg_orders", "raw_customers"}


def test_depth_limited_descendants(graph: Graph) -> None:
    assert sel(graph, "stg_orders+1") == {"stg_orders", "int_orders"}
    assert sel(graph, "stg_orders+2") == {"stg_orders", "int_orders", "fct_orders"}


def test_at_selects_descendants_and_their_ancestors(graph: Graph) -> None:
    # @stg_orders: stg_orders, everything downstream, and every parent those need to build
    assert sel(graph, "@stg_orders") == {
        "raw_orders", "stg_orders", "int_orders", "fct_orders", "rpt_daily", "not_null_fct_orders_order_id",
        "stg_customers", "raw_customers"}
    assert "stg_payments" not in sel(graph, "@stg_orders")


def test_tag(graph: Graph) -> None:
    assert sel(graph, "tag:daily") == {"fct_orders", "rpt_daily"}
    assert sel(graph, "tag:pii") == {"stg_customers"}
    assert sel(graph, "tag:nope") == set()


def test_tag_with_graph_operator(graph: Graph) -> None:
    assert sel(graph, "tag:pii+") == {
        "stg_customers", "fct_orders", "rpt_daily", "not_null_fct_orders_order_id"}


def test_path_folder(graph: Graph) -> None:
    assert sel(graph, "path:models/staging") == {"stg_orders", "stg_customers", "stg_payments", "payments"}
    # a folder includes its subfolders, and a trailing slash is fine
    assert sel(graph, "path:models/marts/") == {"fct_orders", "rpt_daily", "not_null_fct_orders_order_id"}
    assert sel(graph, "path:models/marts/reporting") == {"rpt_daily"}


def test_path_folder_does_not_match_name_prefix(graph: Graph) -> None:
    # models/stag is not a folder: it must not match models/staging/...
    assert sel(graph, "path:models/stag") == set()


def test_path_file(graph: Graph) -> None:
    assert sel(graph, "path:models/staging/stg_orders.sql") == {"stg_orders"}


def test_bare_path_is_a_path_selector(graph: Graph) -> None:
    assert sel(graph, "models/marts/reporting") == {"rpt_daily"}


def test_resource_type(graph: Graph) -> None:
    assert sel(graph, "resource_type:seed") == {"raw_orders", "raw_customers"}
    assert sel(graph, "resource_type:test") == {"not_null_fct_orders_order_id"}
    assert sel(graph, "resource_type:source") == {"payments"}


def test_config_materialized(graph: Graph) -> None:
    assert sel(graph, "config.materialized:table") == {"fct_orders", "rpt_daily"}
    assert sel(graph, "config.materialized:ephemeral") == {"int_orders"}


def test_source_selector(graph: Graph) -> None:
    assert sel(graph, "source:raw.payments") == {"payments"}
    assert sel(graph, "source:raw") == {"payments"}
    assert sel(graph, "source:raw.payments+") == {"payments", "stg_payments"}


def test_fqn_selector(graph: Graph) -> None:
    assert sel(graph, "shop.marts") == {"fct_orders", "rpt_daily", "not_null_fct_orders_order_id"}
    assert sel(graph, "shop.marts.reporting") == {"rpt_daily"}


def test_comma_is_intersection(graph: Graph) -> None:
    assert sel(graph, "tag:daily,config.materialized:table") == {"fct_orders", "rpt_daily"}
    assert sel(graph, "tag:staging,tag:pii") == {"stg_customers"}
    assert sel(graph, "+fct_orders,resource_type:seed") == {"raw_orders", "raw_customers"}
    assert sel(graph, "tag:daily,path:models/marts/reporting") == {"rpt_daily"}


def test_comma_intersection_can_be_empty(graph: Graph) -> None:
    assert sel(graph, "tag:pii,tag:daily") == set()


def test_space_is_union(graph: Graph) -> None:
    assert sel(graph, "stg_orders stg_customers") == {"stg_orders", "stg_customers"}
    # separate --select values are a union too
    assert sel(graph, "stg_orders", "tag:daily") == {"stg_orders", "fct_orders", "rpt_daily"}


def test_union_of_intersections(graph: Graph) -> None:
    assert sel(graph, "tag:staging,tag:pii resource_type:seed") == {
        "stg_customers", "raw_orders", "raw_customers"}


def test_exclude(graph: Graph) -> None:
    assert sel(graph, "+fct_orders", exclude=("resource_type:seed",)) == {
        "fct_orders", "int_orders", "stg_orders", "stg_customers"}
    assert sel(graph, "stg_orders+", exclude=("fct_orders+",)) == {"stg_orders", "int_orders"}


def test_exclude_without_select_starts_from_everything(graph: Graph) -> None:
    assert sel(graph, exclude=("tag:staging",)) == ALL_NAMES - {"stg_orders", "stg_customers", "stg_payments"}


def test_exclude_with_space_union(graph: Graph) -> None:
    assert sel(graph, "tag:staging", exclude=("stg_orders stg_payments",)) == {"stg_customers"}


def test_wildcards(graph: Graph) -> None:
    assert sel(graph, "stg_*") == {"stg_orders", "stg_customers", "stg_payments"}
    assert sel(graph, "*_orders") == {"stg_orders", "int_orders", "fct_orders", "raw_orders"}
    assert sel(graph, "tag:fin*") == {"fct_orders"}


def test_wildcard_in_path_folder(graph: Graph) -> None:
    # dbt globs the path selector against folders: every node under a matching folder
    assert sel(graph, "path:models/*/reporting") == {"rpt_daily"}
    assert sel(graph, "path:models/stag*") == {"stg_orders", "stg_customers", "stg_payments", "payments"}


def test_wildcard_with_graph_operator(graph: Graph) -> None:
    assert sel(graph, "raw_*+1") == {"raw_orders", "raw_customers", "stg_orders", "stg_customers"}


def test_unknown_method_is_an_error_naming_it(graph: Graph) -> None:
    with pytest.raises(GraphError) as exc:
        select(graph, ["colour:red"])
    assert "colour" in str(exc.value)
    assert "tag" in str(exc.value)  # the hint lists the methods that exist


def test_topological_order_puts_parents_first(graph: Graph) -> None:
    order = graph.topological()
    assert sorted(order) == sorted(graph.nodes)
    pos = {u: i for i, u in enumerate(order)}
    for uid, parents in graph.parents.items():
        for p in parents:
            assert pos[p] < pos[uid], f"{p} must come before {uid}"


def _cycle_graph() -> Graph:
    # a feeds b, b feeds c, c feeds a; d hangs off a and is not part of the cycle
    def m(name: str, *deps: str) -> Node:
        return Node(unique_id=f"model.p.{name}", name=name, resource_type="model", package="p",
                    depends_on=tuple(f"model.p.{d}" for d in deps))

    nodes = [m("a", "c"), m("b", "a"), m("c", "b"), m("d", "a"), m("e")]
    return Graph({n.unique_id: n for n in nodes})


def test_cycle_raises_graph_error_naming_the_cycle() -> None:
    g = _cycle_graph()
    with pytest.raises(GraphError) as exc:
        g.topological()
    text = str(exc.value)
    assert "cycle" in text
    path = text.split("cycle:", 1)[1].strip().split("\n")[0].split(" -> ")
    assert path[0] == path[-1], text
    assert sorted(set(path)) == ["a", "b", "c"], text
    assert len(path) == 4, text
    # consecutive names follow real edges, in the direction data flows
    for up, down in itertools.pairwise(path):
        assert f"model.p.{up}" in g.parents[f"model.p.{down}"], f"{up} -> {down} is not an edge: {text}"


def test_self_reference_is_a_cycle() -> None:
    n = Node(unique_id="model.p.loop", name="loop", resource_type="model", package="p",
             depends_on=("model.p.loop",))
    with pytest.raises(GraphError) as exc:
        Graph({n.unique_id: n}).topological()
    assert "loop -> loop" in str(exc.value)
