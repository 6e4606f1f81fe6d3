"""Loading ``@asset`` files into the project graph: nodes, parents named by parameters,
config precedence, properties from YAML, and load-time errors with file:line."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from weir.errors import WeirError
from weir.graph import Node, select
from weir.project.loader import Project, load_project

PROJECT_YML = """\
name: shop
version: "1.0.0"
profile: shop
models:
  shop:
    +materialized: view
    +tags: [shop]
"""

BASE = {
    "seeds/customers.csv": "id,name\n1,a\n",
    "models/stg_orders.sql": "select 1 as id, 1 as customer_id\n",
    "models/eph.sql": "{{ config(materialized='ephemeral') }} select 1 as x\n",
    "models/sources.yml": """\
        version: 2
        sources:
          - name: raw
            tables:
              - name: payments
        """,
}


@pytest.fixture(autouse=True)
def _no_user_profiles(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for var in ("DBT_PROFILES_DIR", "WEIR_TARGET"):
        monkeypatch.delenv(var, raising=False)


def load(root: Path, files: dict[str, str]) -> Project:
    files = {"dbt_project.yml": PROJECT_YML, **BASE, **files}
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_project(root)


def load_error(root: Path, files: dict[str, str]) -> str:
    with pytest.raises(WeirError) as exc:
        load(root, files)
    return str(exc.value)


def node(project: Project, name: str) -> Node:
    found = [n for n in project.graph if n.name == name]
    assert len(found) == 1, name
    return found[0]


ASSETS = """\
    import pandas as pd
    import polars as pl
    import pyarrow as pa
    from weir import asset


    @asset(tags=["daily"], description="Customers with order counts")
    def customer_orders(customers: pl.DataFrame, stg_orders: pd.DataFrame, raw__payments):
        return customers


    @asset(deps=["eph"], ins={"base": "customer_orders"}, config={"table_format": "duckdb"})
    def enriched(base: pa.Table, context):
        return base
    """


def test_assets_are_graph_nodes_with_parents_from_parameters(tmp_path: Path) -> None:
    project = load(tmp_path, {"assets/marts/customers.py": ASSETS})
    co = node(project, "customer_orders")
    assert co.unique_id == "asset.shop.customer_orders"
    assert co.resource_type == "asset"
    assert co.path == "assets/marts/customers.py"
    assert co.line == 8  # the `def` line, not the decorator's
    assert co.fqn == ("shop", "marts", "customer_orders")
    assert co.materialized == "table"
    assert co.is_relation
    assert set(co.depends_on) == {"seed.shop.customers", "model.shop.stg_orders", "source.shop.raw.payments"}
    assert co.tags == ("shop", "daily")  # the project's models: tree applies, the view default does not
    assert co.description == "Customers with order counts"
    enriched = node(project, "enriched")
    assert enriched.depends_on == ("asset.shop.customer_orders", "model.shop.eph")
    assert enriched.config["table_format"] == "duckdb"
    forms = {p.name: (p.form, p.upstream) for p in project.assets[co.unique_id].params}
    assert forms == {"customers": ("polars", "seed.shop.customers"),
                     "stg_orders": ("pandas", "model.shop.stg_orders"),
                     "raw__payments": ("arrow", "source.shop.raw.payments")}
    assert [p.form for p in project.assets[enriched.unique_id].params] == ["arrow", "context"]
    assert str(project.relations[co.unique_id]) == '"main"."customer_orders"'


def test_sql_models_ref_assets_in_one_graph(tmp_path: Path) -> None:
    project = load(tmp_path, {
        "assets/customers.py": ASSETS,
        "models/top_customers.sql": "select * from {{ ref('enriched') }}\n",
    })
    order = project.graph.topological()
    assert order.index("asset.shop.enriched") < order.index("model.shop.top_customers")
    assert order.index("model.shop.stg_orders") < order.index("asset.shop.customer_orders")
    assert node(project, "top_customers").depends_on == ("asset.shop.enriched",)


def test_selection_by_name_tag_and_resource_type(tmp_path: Path) -> None:
    project = load(tmp_path, {"assets/customers.py": ASSETS,
                              "models/top.sql": "select * from {{ ref('enriched') }}\n"})
    g = project.graph
    assert select(g, ["resource_type:asset"]) == {"asset.shop.customer_orders", "asset.shop.enriched"}
    assert select(g, ["tag:daily"]) == {"asset.shop.customer_orders"}
    assert select(g, ["+customer_orders"]) == {"asset.shop.customer_orders", "seed.shop.customers",
                                               "model.shop.stg_orders", "source.shop.raw.payments"}
    assert select(g, ["customer_orders+"]) == {"asset.shop.customer_orders", "asset.shop.enriched", "model.shop.top"}
    assert select(g, ["path:assets"]) == {"asset.shop.customer_orders", "asset.shop.enriched"}


def test_properties_yaml_describes_and_tests_assets(tmp_path: Path) -> None:
    project = load(tmp_path, {
        "assets/customers.py": ASSETS,
        "assets/schema.yml": """\
            version: 2
            models:
              - name: enriched
                description: From YAML
                config: {schema: marts, table_format: delta, tags: [yml]}
                columns:
                  - name: id
                    description: Customer id
                    data_tests: [unique, not_null]
            """,
    })
    enriched = node(project, "enriched")
    assert enriched.description == "From YAML"
    assert [c.name for c in enriched.columns] == ["id"]
    assert enriched.config["table_format"] == "duckdb"  # the decorator wins over YAML
    assert enriched.tags == ("shop", "yml")
    assert str(project.relations[enriched.unique_id]) == '"main_marts"."enriched"'
    tests = {n.name: n.depends_on for n in project.graph if n.resource_type == "test"}
    assert tests == {"unique_enriched_id": ("asset.shop.enriched",),
                     "not_null_enriched_id": ("asset.shop.enriched",)}


def test_checksum_follows_the_function_source(tmp_path: Path) -> None:
    one = load(tmp_path / "a", {"assets/x.py": "from weir import asset\n@asset\ndef x(customers):\n    return customers\n"})
    same = load(tmp_path / "b", {"assets/x.py": "from weir import asset\n@asset\ndef x(customers):\n    return customers\n"})
    changed = load(tmp_path / "c", {"assets/x.py": "from weir import asset\n@asset\ndef x(customers):\n"
                                                   "    return customers.slice(0, 1)\n"})
    uid = "asset.shop.x"
    assert one.graph.nodes[uid].checksum == same.graph.nodes[uid].checksum
    assert one.graph.nodes[uid].checksum != changed.graph.nodes[uid].checksum
    assert one.graph.version(uid) != changed.graph.version(uid)
    assert "return customers.slice(0, 1)" in changed.graph.nodes[uid].raw_code


def test_asset_modules_do_not_shadow_user_packages(tmp_path: Path) -> None:
    project = load(tmp_path, {
        "assets/json.py": "from weir import asset\n@asset\ndef a(customers):\n    return customers\n",
        "assets/sub/json.py": "from weir import asset\n@asset\ndef b(customers):\n    return customers\n",
    })
    assert {"asset.shop.a", "asset.shop.b"} <= set(project.graph.nodes)
    import json

    assert sys.modules["json"] is json
    assert not [m for m in sys.modules if m.split(".")[0] in ("assets", "sub")]


def test_asset_paths_from_dbt_project_or_weir_yml(tmp_path: Path) -> None:
    code = "from weir import asset\n@asset\ndef a(customers):\n    return customers\n"
    project = load(tmp_path / "a", {"dbt_project.yml": PROJECT_YML + "asset-paths: [python]\n", "python/a.py": code,
                                    "assets/ignored.py": "raise RuntimeError('not an asset path')\n"})
    assert node(project, "a").path == "python/a.py"
    project = load(tmp_path / "b", {"weir.yml": "asset-paths: [py_assets]\n", "py_assets/a.py": code})
    assert node(project, "a").path == "py_assets/a.py"


def test_disabled_asset_leaves_the_graph(tmp_path: Path) -> None:
    project = load(tmp_path, {"assets/a.py": "from weir import asset\n@asset(config={'enabled': False})\n"
                                             "def a(nothing_here):\n    return nothing_here\n"})
    assert "asset.shop.a" not in project.graph.nodes
    assert "asset.shop.a" not in project.assets


# -- errors ------------------------------------------------------------------------------

def test_unknown_parameter_names_the_def_line_and_suggests(tmp_path: Path) -> None:
    text = load_error(tmp_path, {"assets/a.py": """\
        from weir import asset


        @asset(tags=["x"])
        def a(customers, stg_order):
            return customers
        """})
    assert text.startswith("assets/a.py:5: asset 'a': parameter 'stg_order', which is no model")
    assert "did you mean 'stg_orders'?" in text


def test_unknown_dep_and_ins(tmp_path: Path) -> None:
    text = load_error(tmp_path, {"assets/a.py": "from weir import asset\n@asset(deps=['source:raw.paymnts'])\n"
                                                "def a(customers):\n    return customers\n"})
    assert "assets/a.py:3: asset 'a': deps names 'source:raw.paymnts'" in text
    assert "did you mean 'raw__payments'?" in text
    text = load_error(tmp_path, {"assets/a.py": "from weir import asset\n@asset(ins={'c': 'customers', 'zz': 'eph'})\n"
                                                "def a(c):\n    return c\n"})
    assert "ins names ['zz'], which are not parameters" in text


@pytest.mark.parametrize(("signature", "message"), [
    ("def a(*tables):", "parameter 'tables' must be a plain named parameter"),
    ("def a(customers: int):", "parameter 'customers' is annotated int"),
    ("def a(customers: 'np.ndarray'):", "parameter 'customers' is annotated np.ndarray"),
])
def test_bad_signatures(tmp_path: Path, signature: str, message: str) -> None:
    text = load_error(tmp_path, {"assets/a.py": f"from weir import asset\n@asset\n{signature}\n    return 1\n"})
    assert text.startswith(f"assets/a.py:3: asset 'a': {message}")


def test_import_errors_point_at_the_file_line(tmp_path: Path) -> None:
    text = load_error(tmp_path, {"assets/a.py": "from weir import asset\nx = 1\nraise ValueError('boom')\n"})
    assert text.startswith("assets/a.py:3: importing the asset file raised ValueError: boom")
    text = load_error(tmp_path, {"assets/a.py": "def broken(:\n"})
    assert text.startswith("assets/a.py:1: Python syntax error")
    text = load_error(tmp_path, {"assets/a.py": "from weir import asset\n@asset(materialized='view')\ndef a(x):\n"
                                                "    return x\n"})
    assert text.startswith("assets/a.py:2: asset 'a': materialized='view' is not supported")


def test_name_clash_with_a_model(tmp_path: Path) -> None:
    text = load_error(tmp_path, {"assets/a.py": "from weir import asset\n@asset\ndef stg_orders(customers):\n"
                                                "    return customers\n"})
    assert text.startswith("assets/a.py:3: asset 'stg_orders' has the name of model models/stg_orders.sql")


def test_invalid_config_value_is_caught_at_load(tmp_path: Path) -> None:
    text = load_error(tmp_path, {"assets/a.py": "from weir import asset\n@asset(materialized='incremental', "
                                                "incremental_strategy='mrege')\ndef a(customers):\n"
                                                "    return customers\n"})
    assert "assets/a.py:3: invalid value 'mrege' for config 'incremental_strategy' of asset 'a'" in text
    assert "did you mean 'merge'?" in text


def test_packages_ship_assets(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    (lib / "assets").mkdir(parents=True)
    (lib / "dbt_project.yml").write_text("name: lib\nversion: '1'\n")
    (lib / "assets/shared.py").write_text("from weir import asset\n@asset\ndef shared(customers):\n"
                                          "    return customers\n")
    project = load(tmp_path / "shop", {
        "packages.yml": f"packages:\n  - local: {lib}\n",
        "assets/mine.py": "from weir import asset\n@asset(ins={'s': 'lib.shared'})\ndef mine(s, shared):\n"
                          "    return s\n",
    })
    assert node(project, "shared").unique_id == "asset.lib.shared"
    assert node(project, "shared").depends_on == ("seed.shop.customers",)  # found in the root project
    assert node(project, "mine").depends_on == ("asset.lib.shared",)
