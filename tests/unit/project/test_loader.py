"""Loading tiny dbt projects written into tmp_path: config hierarchy, naming, refs,
vars, sources, generic tests, and errors that point at file and line."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from weir.errors import WeirError
from weir.graph import Node
from weir.project.loader import Project, load_project

PROJECT_YML = """\
name: shop
version: "1.0.0"
profile: shop
"""


@pytest.fixture(autouse=True)
def _no_user_profiles(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own ~/.dbt/profiles.yml or environment must not change the target."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for var in ("DBT_PROFILES_DIR", "WEIR_TARGET"):
        monkeypatch.delenv(var, raising=False)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def load(root: Path, files: dict[str, str], **kw: object) -> Project:
    files = {"dbt_project.yml": PROJECT_YML, **files}
    return load_project(write(root, files), **kw)  # type: ignore[arg-type]


def node(project: Project, name: str) -> Node:
    found = [n for n in project.graph if n.name == name]
    assert len(found) == 1, f"{name}: {[n.unique_id for n in project.graph]}"
    return found[0]


def names(project: Project, resource_type: str) -> set[str]:
    return {n.name for n in project.graph if n.resource_type == resource_type}


def load_error(root: Path, files: dict[str, str]) -> str:
    with pytest.raises(WeirError) as exc:
        load(root, files)
    return str(exc.value)


# -- config hierarchy -------------------------------------------------------------------

HIERARCHY = {
    "dbt_project.yml": PROJECT_YML + """\
models:
  shop:
    +materialized: view
    +tags: [base]
    staging:
      +schema: staging
      +tags: [staging]
    marts:
      +materialized: table
      +tags: finance
      legacy:
        +enabled: false
""",
    "models/staging/stg_orders.sql": "select 1 as id, 'new' as status\n",
    "models/marts/orders.sql": "select * from {{ ref('stg_orders') }}\n",
    "models/marts/legacy/old_orders.sql": "select * from {{ ref('orders') }}\n",
    "models/schema.yml": """\
version: 2
models:
  - name: orders
    columns:
      - name: id
        data_tests: [not_null]
  - name: old_orders
    columns:
      - name: id
        data_tests: [not_null, unique]
""",
}


def test_folder_materialized_is_inherited_and_overridden(tmp_path: Path) -> None:
    p = load(tmp_path, HIERARCHY)
    assert node(p, "stg_orders").materialized == "view"
    assert node(p, "orders").materialized == "table"


def test_folder_tags_append_down_the_tree(tmp_path: Path) -> None:
    p = load(tmp_path, HIERARCHY)
    assert set(node(p, "stg_orders").tags) == {"base", "staging"}
    assert set(node(p, "orders").tags) == {"base", "finance"}


def test_custom_schema_is_target_schema_underscore_custom(tmp_path: Path) -> None:
    p = load(tmp_path, HIERARCHY)
    stg = p.relations[node(p, "stg_orders").unique_id]
    orders = p.relations[node(p, "orders").unique_id]
    assert (stg.schema, stg.identifier) == ("main_staging", "stg_orders")
    assert (orders.schema, orders.identifier) == ("main", "orders")


def test_disabled_folder_removes_the_model_and_its_tests(tmp_path: Path) -> None:
    p = load(tmp_path, HIERARCHY)
    assert names(p, "model") == {"stg_orders", "orders"}
    assert names(p, "test") == {"not_null_orders_id"}
    assert not any("old_orders" in uid for uid in p.graph.nodes)


def test_ref_to_a_disabled_model_says_it_is_disabled(tmp_path: Path) -> None:
    files = {**HIERARCHY, "models/marts/uses_old.sql": "select * from {{ ref('old_orders') }}\n"}
    text = load_error(tmp_path, files)
    assert "old_orders" in text
    assert "disabled" in text
    assert "models/marts/uses_old.sql" in text


def test_fqn_follows_folders(tmp_path: Path) -> None:
    p = load(tmp_path, HIERARCHY)
    assert node(p, "stg_orders").fqn == ("shop", "staging", "stg_orders")
    assert node(p, "orders").path == "models/marts/orders.sql"


def test_in_file_config_overrides_project_and_properties(tmp_path: Path) -> None:
    files = {
        **HIERARCHY,
        "models/marts/orders.sql": """\
            {{ config(materialized='incremental', unique_key='id', tags=['hourly']) }}
            select * from {{ ref('stg_orders') }}
            """,
        "models/marts/totals.sql": "select count(*) as n from {{ ref('orders') }}\n",
        "models/schema.yml": """\
            version: 2
            models:
              - name: orders
                config:
                  materialized: view
                  unique_key: order_id
              - name: totals
                config:
                  materialized: view
            """,
    }
    p = load(tmp_path, files)
    orders = node(p, "orders")
    assert orders.materialized == "incremental"  # config() beats schema.yml beats dbt_project.yml
    assert orders.config["unique_key"] == "id"
    assert set(orders.tags) == {"base", "finance", "hourly"}  # tags append at every level
    assert node(p, "totals").materialized == "view"  # schema.yml beats dbt_project.yml


def test_in_file_schema_and_alias_name_the_relation(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "models/m.sql": "{{ config(schema='reporting', alias='monthly') }}\nselect 1 as x\n",
    })
    rel = p.relations["model.shop.m"]
    assert (rel.schema, rel.identifier) == ("main_reporting", "monthly")


def test_custom_generate_schema_name_macro_is_used(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "macros/naming.sql": """\
            {% macro generate_schema_name(custom_schema_name, node) -%}
                {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
            {%- endmacro %}
            """,
        "models/m.sql": "{{ config(schema='reporting') }}\nselect 1 as x\n",
        "models/n.sql": "select 1 as x\n",
    })
    assert p.relations["model.shop.m"].schema == "reporting"
    assert p.relations["model.shop.n"].schema == "main"


# -- refs, vars, sources ------------------------------------------------------------------

def test_ref_with_package_and_name(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "models/a.sql": "select 1 as id\n",
        "models/b.sql": "select * from {{ ref('shop', 'a') }}\n",
    })
    assert node(p, "b").depends_on == ("model.shop.a",)


def test_ref_to_a_seed(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "seeds/countries.csv": "code,name\nDE,Germany\n",
        "models/b.sql": "select * from {{ ref('countries') }}\n",
    })
    assert node(p, "b").depends_on == ("seed.shop.countries",)
    assert node(p, "countries").resource_type == "seed"


VAR_MODEL = {"models/m.sql": "{{ config(materialized=var('mat', 'view')) }}\nselect {{ var('x', 1) }} as x\n"}


def test_var_default(tmp_path: Path) -> None:
    p = load(tmp_path, VAR_MODEL)
    assert node(p, "m").materialized == "view"


def test_var_from_project(tmp_path: Path) -> None:
    p = load(tmp_path, {**VAR_MODEL, "dbt_project.yml": PROJECT_YML + "vars:\n  mat: table\n"})
    assert node(p, "m").materialized == "table"


def test_cli_var_beats_project_var(tmp_path: Path) -> None:
    p = load(tmp_path, {**VAR_MODEL, "dbt_project.yml": PROJECT_YML + "vars:\n  mat: table\n"},
             cli_vars={"mat": "incremental"})
    assert node(p, "m").materialized == "incremental"


def test_var_picks_the_ref(tmp_path: Path) -> None:
    files = {
        "dbt_project.yml": PROJECT_YML + "vars:\n  upstream: a\n",
        "models/a.sql": "select 1 as id\n",
        "models/b.sql": "select 2 as id\n",
        "models/c.sql": "select * from {{ ref(var('upstream')) }}\n",
    }
    assert node(load(tmp_path / "one", files), "c").depends_on == ("model.shop.a",)
    assert node(load(tmp_path / "two", files, cli_vars={"upstream": "b"}), "c").depends_on == ("model.shop.b",)


SOURCES = {
    "models/sources.yml": """\
        version: 2
        sources:
          - name: raw
            schema: landing
            tables:
              - name: orders
                identifier: orders_v2
              - name: customers
          - name: erp
            tables:
              - name: invoices
        """,
    "models/stg.sql": """\
        select * from {{ source('raw', 'orders') }}
        join {{ source('raw', 'customers') }} using (customer_id)
        join {{ source('erp', 'invoices') }} using (order_id)
        """,
}


def test_source_schema_and_identifier(tmp_path: Path) -> None:
    p = load(tmp_path, SOURCES)
    orders = p.relations["source.shop.raw.orders"]
    customers = p.relations["source.shop.raw.customers"]
    invoices = p.relations["source.shop.erp.invoices"]
    assert (orders.schema, orders.identifier) == ("landing", "orders_v2")
    assert (customers.schema, customers.identifier) == ("landing", "customers")
    assert (invoices.schema, invoices.identifier) == ("erp", "invoices")  # schema defaults to the source name


def test_source_is_a_dependency(tmp_path: Path) -> None:
    p = load(tmp_path, SOURCES)
    assert set(node(p, "stg").depends_on) == {
        "source.shop.raw.orders", "source.shop.raw.customers", "source.shop.erp.invoices"}


# -- generic tests ------------------------------------------------------------------------

TESTS = {
    "models/customers.sql": "select 1 as id\n",
    "models/orders.sql": "select 1 as id, 1 as customer_id, 'a' as status\n",
    "models/schema.yml": """\
        version: 2
        models:
          - name: orders
            columns:
              - name: id
                data_tests:
                  - not_null
                  - unique
              - name: status
                data_tests:
                  - accepted_values:
                      arguments:
                        values: ['a', 'b']
              - name: customer_id
                tests:
                  - relationships:
                      to: ref('customers')
                      field: id
        """,
}


def test_generic_test_names_follow_dbt(tmp_path: Path) -> None:
    p = load(tmp_path, TESTS)
    assert names(p, "test") == {
        "not_null_orders_id",
        "unique_orders_id",
        "accepted_values_orders_status__a__b",
        "relationships_orders_customer_id__id__ref_customers_",
    }


def test_generic_test_is_attached_to_its_model_and_column(tmp_path: Path) -> None:
    p = load(tmp_path, TESTS)
    t = node(p, "not_null_orders_id")
    assert t.depends_on == ("model.shop.orders",)
    assert t.test is not None
    assert (t.test.test_name, t.test.column_name) == ("not_null", "id")
    av = node(p, "accepted_values_orders_status__a__b")
    assert av.test is not None and av.test.kwargs["values"] == ["a", "b"]


def test_relationships_test_depends_on_both_models(tmp_path: Path) -> None:
    p = load(tmp_path, TESTS)
    t = node(p, "relationships_orders_customer_id__id__ref_customers_")
    assert set(t.depends_on) == {"model.shop.orders", "model.shop.customers"}


def test_long_generic_test_name_is_the_full_name_with_a_short_alias(tmp_path: Path) -> None:
    # dbt names the node with the full name (what `dbt ls` and the run log print) and only
    # shortens the relation alias with an md5 once the name reaches 64 characters.
    full = "accepted_values_orders_status__placed__shipped__completed__returned"
    p = load(tmp_path, {
        "models/orders.sql": "select 'placed' as status\n",
        "models/schema.yml": """\
            version: 2
            models:
              - name: orders
                columns:
                  - name: status
                    data_tests:
                      - accepted_values:
                          values: [placed, shipped, completed, returned]
            """,
    })
    tests = [n for n in p.graph if n.resource_type == "test"]
    assert len(tests) == 1
    assert tests[0].name == full
    assert tests[0].config.get("alias") == "accepted_values_orders_" + hashlib.md5(full.encode()).hexdigest()


# -- errors ---------------------------------------------------------------------------------

def test_jinja_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = load_error(tmp_path, {
        "models/x.sql": "select\n  id,\n  {{ ref('a' }}\nfrom t\n",
        "models/a.sql": "select 1 as id\n",
    })
    assert "models/x.sql:3" in text
    assert "Jinja" in text


def test_unclosed_block_names_the_file(tmp_path: Path) -> None:
    text = load_error(tmp_path, {"models/x.sql": "{% if true %}\nselect 1 as id\n"})
    assert "models/x.sql:" in text
    assert "endif" in text


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = load_error(tmp_path, {
        "models/a.sql": "select 1 as id\n",
        "models/schema.yml": "version: 2\nmodels:\n  - name: a\n    columns: [\n      - name: id\n",
    })
    assert "models/schema.yml:" in text
    line = int(text.split("models/schema.yml:", 1)[1].split(":", 1)[0])
    assert 4 <= line <= 6, text
    assert "YAML" in text


def test_yaml_error_in_dbt_project_yml(tmp_path: Path) -> None:
    with pytest.raises(WeirError) as exc:
        load_project(write(tmp_path, {"dbt_project.yml": "name: shop\nmodels:\n  shop:\n  +materialized: [\n"}))
    assert "dbt_project.yml" in str(exc.value)


def test_unknown_ref_suggests_the_closest_name(tmp_path: Path) -> None:
    text = load_error(tmp_path, {
        "models/stg_orders.sql": "select 1 as id\n",
        "models/orders.sql": "select * from {{ ref('stg_order') }}\n",
    })
    assert "stg_order" in text
    assert "models/orders.sql" in text
    assert "did you mean" in text
    assert "stg_orders" in text.split("did you mean", 1)[1]


def test_unknown_source_names_it(tmp_path: Path) -> None:
    text = load_error(tmp_path, {
        **SOURCES,
        "models/bad.sql": "select * from {{ source('raw', 'ordrs') }}\n",
    })
    assert "raw.ordrs" in text
    assert "models/bad.sql" in text
    assert "raw.orders" in text  # suggested


def test_dependency_cycle_names_both_models(tmp_path: Path) -> None:
    text = load_error(tmp_path, {
        "models/left_side.sql": "select * from {{ ref('right_side') }}\n",
        "models/right_side.sql": "select * from {{ ref('left_side') }}\n",
        "models/free.sql": "select 1 as x\n",
    })
    assert "cycle" in text
    assert "left_side" in text and "right_side" in text
    assert "free" not in text


def test_unknown_generic_test_names_it_with_file_and_line(tmp_path: Path) -> None:
    text = load_error(tmp_path, {
        "models/orders.sql": "select 1 as id\n",
        "models/schema.yml": """\
            version: 2
            models:
              - name: orders
                columns:
                  - name: id
                    data_tests:
                      - not_nul
            """,
    })
    assert "not_nul" in text
    assert "models/schema.yml:7" in text
    assert "did you mean 'not_null'" in text


def test_duplicate_model_names_are_an_error(tmp_path: Path) -> None:
    text = load_error(tmp_path, {
        "models/a/orders.sql": "select 1 as id\n",
        "models/b/orders.sql": "select 2 as id\n",
    })
    assert "models/a/orders.sql" in text and "models/b/orders.sql" in text


def test_missing_dbt_project_yml(tmp_path: Path) -> None:
    with pytest.raises(WeirError) as exc:
        load_project(tmp_path)
    assert "dbt_project.yml" in str(exc.value)


# -- more config and naming ----------------------------------------------------------------

def test_in_file_enabled_false_removes_the_model_and_its_tests(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "models/keep.sql": "select 1 as id\n",
        "models/gone.sql": "{{ config(enabled=false) }}\nselect 1 as id\n",
        "models/schema.yml": """\
            version: 2
            models:
              - name: keep
                columns: [{name: id, data_tests: [not_null]}]
              - name: gone
                columns: [{name: id, data_tests: [not_null]}]
            """,
    })
    assert names(p, "model") == {"keep"}
    assert names(p, "test") == {"not_null_keep_id"}


def test_properties_enabled_false_removes_the_model(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "models/keep.sql": "select 1 as id\n",
        "models/gone.sql": "select 1 as id\n",
        "models/schema.yml": "version: 2\nmodels:\n  - name: gone\n    config:\n      enabled: false\n",
    })
    assert names(p, "model") == {"keep"}


def test_project_config_for_a_single_model(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "dbt_project.yml": PROJECT_YML + """\
models:
  shop:
    +materialized: table
    marts:
      orders:
        +materialized: incremental
        +enabled: true
      gone:
        +enabled: false
""",
        "models/marts/orders.sql": "select 1 as id\n",
        "models/marts/other.sql": "select 1 as id\n",
        "models/marts/gone.sql": "select 1 as id\n",
    })
    assert node(p, "orders").materialized == "incremental"
    assert node(p, "other").materialized == "table"
    assert names(p, "model") == {"orders", "other"}


def test_seed_config_schema_and_tags(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "dbt_project.yml": PROJECT_YML + """\
seeds:
  shop:
    +schema: raw
    lookups:
      +tags: [lookup]
""",
        "seeds/lookups/countries.csv": "code,name\nDE,Germany\n",
        "seeds/facts.csv": "x\n1\n",
    })
    countries = node(p, "countries")
    assert countries.tags == ("lookup",)
    assert node(p, "facts").tags == ()
    assert p.relations[countries.unique_id].schema == "main_raw"
    assert p.relations[node(p, "facts").unique_id].schema == "main_raw"


def test_seed_tests_are_named_after_the_seed(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "seeds/countries.csv": "code,name\nDE,Germany\n",
        "seeds/schema.yml": "version: 2\nseeds:\n  - name: countries\n    columns:\n"
                            "      - name: code\n        data_tests: [unique]\n",
    })
    t = node(p, "unique_countries_code")
    assert t.depends_on == ("seed.shop.countries",)


def test_source_test_names_start_with_source(tmp_path: Path) -> None:
    # dbt prefixes generic tests on sources: source_not_null_<source>_<table>_<column>
    p = load(tmp_path, {
        "models/sources.yml": """\
            version: 2
            sources:
              - name: raw
                tables:
                  - name: orders
                    columns:
                      - name: id
                        data_tests: [not_null]
            """,
    })
    assert names(p, "test") == {"source_not_null_raw_orders_id"}
    assert node(p, "source_not_null_raw_orders_id").depends_on == ("source.shop.raw.orders",)


def test_custom_test_name(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "models/orders.sql": "select 1 as id\n",
        "models/schema.yml": """\
            version: 2
            models:
              - name: orders
                columns:
                  - name: id
                    data_tests:
                      - not_null:
                          name: orders_must_have_ids
            """,
    })
    assert names(p, "test") == {"orders_must_have_ids"}


def test_test_config_from_project_and_properties(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "dbt_project.yml": PROJECT_YML + "data_tests:\n  shop:\n    +severity: warn\n",
        "models/orders.sql": "select 1 as id\n",
        "models/schema.yml": """\
            version: 2
            models:
              - name: orders
                columns:
                  - name: id
                    data_tests:
                      - not_null
                      - unique:
                          config:
                            severity: error
                            where: "id > 0"
            """,
    })
    assert node(p, "not_null_orders_id").config.get("severity") == "warn"
    unique = node(p, "unique_orders_id")
    assert unique.config.get("severity") == "error"
    assert unique.config.get("where") == "id > 0"


def test_custom_singular_test_and_generic_test_macro(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "models/orders.sql": "select 1 as id\n",
        "tests/assert_positive.sql": "select * from {{ ref('orders') }} where id <= 0\n",
        "tests/generic/is_even.sql": """\
            {% test is_even(model, column_name) %}
            select * from {{ model }} where {{ column_name }} % 2 = 1
            {% endtest %}
            """,
        "models/schema.yml": """\
            version: 2
            models:
              - name: orders
                columns:
                  - name: id
                    data_tests: [is_even]
            """,
    })
    assert names(p, "test") == {"assert_positive", "is_even_orders_id"}
    assert node(p, "assert_positive").depends_on == ("model.shop.orders",)


def test_snapshot_fqn_includes_its_file_name(tmp_path: Path) -> None:
    # dbt: a snapshot's fqn is project / folders / file name / snapshot name, so
    # dbt_project.yml configures it through its file's name
    p = load(tmp_path, {
        "dbt_project.yml": PROJECT_YML + """\
snapshots:
  shop:
    history:
      all_snaps:
        +target_schema: archive
        +tags: [nightly]
""",
        "seeds/orders.csv": "id,updated_at\n1,2024-01-01 00:00:00\n",
        "snapshots/history/all_snaps.sql": """\
            {% snapshot orders_snapshot %}
            {{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}
            select * from {{ ref('orders') }}
            {% endsnapshot %}
            """,
    })
    snap = node(p, "orders_snapshot")
    assert snap.fqn == ("shop", "history", "all_snaps", "orders_snapshot")
    assert snap.config.get("target_schema") == "archive"
    assert snap.tags == ("nightly",)
    assert p.relations[snap.unique_id].schema == "archive"


def test_snapshot_config_from_a_folder(tmp_path: Path) -> None:
    p = load(tmp_path, {
        "dbt_project.yml": PROJECT_YML + "snapshots:\n  shop:\n    history:\n      +target_schema: archive\n",
        "seeds/orders.csv": "id,updated_at\n1,2024-01-01 00:00:00\n",
        "snapshots/history/snaps.sql": """\
            {% snapshot orders_snapshot %}
            {{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}
            select * from {{ ref('orders') }}
            {% endsnapshot %}
            """,
    })
    snap = node(p, "orders_snapshot")
    assert snap.depends_on == ("seed.shop.orders",)
    assert p.relations[snap.unique_id].schema == "archive"


def test_source_fqn_and_config_follow_the_yaml_folder(tmp_path: Path) -> None:
    # dbt: a source's fqn is project / folders of its .yml under models / source / table
    p = load(tmp_path, {
        "dbt_project.yml": PROJECT_YML + "sources:\n  shop:\n    staging:\n      raw:\n        +meta: {owner: folder}\n",
        "models/staging/sources.yml": """\
            version: 2
            sources:
              - name: raw
                tables:
                  - name: orders
            """,
    })
    src = p.graph.nodes["source.shop.raw.orders"]
    assert src.fqn == ("shop", "staging", "raw", "orders")
    assert src.config.get("meta") == {"owner": "folder"}
