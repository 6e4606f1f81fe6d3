"""``@asset``: what the decorator keeps of a function, and what it refuses."""

from __future__ import annotations

import pytest

import weir
from weir.assets import AssetDefinition, asset
from weir.errors import ConfigError


def test_bare_decorator_keeps_the_function_callable() -> None:
    @asset
    def totals(orders):
        """Order totals."""
        return orders * 2

    assert isinstance(totals, AssetDefinition)
    assert totals.name == "totals"
    assert totals.description == "Order totals."
    assert totals.config == {}
    assert totals(21) == 42  # an asset is unit-testable as a plain function


def test_options_become_model_config() -> None:
    @asset(name="customer_orders", schema="marts", materialized="incremental", unique_key="id",
           incremental_strategy="merge", on_schema_change="append_new_columns", tags="daily",
           description="Customers with counts", deps=["stg_orders"], ins={"c": "source:raw.customers"},
           config={"table_format": "duckdb", "meta": {"team": "growth"}}, owners=["ana@example.com"])
    def build(c):
        return c

    assert build.name == "customer_orders"
    assert build.description == "Customers with counts"
    assert build.deps == ("stg_orders",)
    assert build.ins == {"c": "source:raw.customers"}
    assert build.config == {
        "schema": "marts", "materialized": "incremental", "unique_key": "id", "incremental_strategy": "merge",
        "on_schema_change": "append_new_columns", "tags": ["daily"], "table_format": "duckdb",
        "meta": {"team": "growth", "owners": ["ana@example.com"]},
    }


def test_importable_from_the_package_root() -> None:
    assert weir.asset is asset
    assert "asset" in weir.__all__


@pytest.mark.parametrize("kind", ["view", "ephemeral", "snapshot"])
def test_only_tables_and_incremental_tables(kind: str) -> None:
    with pytest.raises(ConfigError) as exc:
        @asset(materialized=kind)
        def a(x):
            return x
    text = str(exc.value)
    assert f"materialized={kind!r} is not supported" in text
    assert "test_asset_decorator.py:" in text  # where the decorator was used


def test_refuses_async_functions_and_classes() -> None:
    with pytest.raises(ConfigError, match="async and generator functions are not supported"):
        @asset
        async def a(x):
            return x
    with pytest.raises(ConfigError, match="plain function, not type"):
        asset(type("K", (), {}))


def test_name_must_be_an_identifier() -> None:
    with pytest.raises(ConfigError, match="must be a Python identifier"):
        @asset(name="customer-orders")
        def a(x):
            return x


def test_deps_must_be_a_list() -> None:
    with pytest.raises(ConfigError, match="deps must be a list of names"):
        @asset(deps="stg_orders")
        def a(x):
            return x
