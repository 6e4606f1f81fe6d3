"""A Spark session is shown a project's tables lazily (``SparkEngine.defer``): each is
registered when a query first names it, or when its type is asked — never for a query
that only contains its name inside another word (a staging view of the same model)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pyspark", reason="pip install 'weir[spark]'")

from weir.engines.spark import SparkEngine, _names
from weir.sql.relation import Relation


class FakeSession:
    """Stands in for a SparkSession: records the Spark SQL it is asked to analyse."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def sql(self, text: str) -> Any:
        self.queries.append(text)
        return object()


@pytest.fixture
def engine() -> SparkEngine:
    eng = SparkEngine(master="local[1]")
    eng._session = FakeSession()  # no JVM: only the deferral bookkeeping is under test
    return eng


def deferred(engine: SparkEngine, schema: str, name: str, calls: list[str]) -> None:
    engine.defer(Relation(schema, name), lambda: calls.append(name))


def test_a_relation_is_registered_when_a_query_first_names_it(engine: SparkEngine) -> None:
    calls: list[str] = []
    for name in ("orders", "customers", "orders__quarantine"):
        deferred(engine, "main", name, calls)
    assert calls == []
    engine.frame('select * from "main"."orders" o join main.customers c using (id)')
    assert sorted(calls) == ["customers", "orders"]
    engine.frame('select * from "main"."orders"')
    assert sorted(calls) == ["customers", "orders"]  # once only


def test_a_name_inside_another_word_does_not_register(engine: SparkEngine) -> None:
    calls: list[str] = []
    deferred(engine, "main", "orders", calls)
    engine.frame("select * from weir_stage__orders__3 join main.orders_daily using (id)")
    assert calls == []
    engine.frame("select * from main__orders")  # the Spark view name itself
    assert calls == ["orders"]


def test_asking_the_type_or_listing_registers(engine: SparkEngine) -> None:
    calls: list[str] = []
    deferred(engine, "main", "a", calls)
    deferred(engine, "main", "b", calls)
    assert engine.relation_type("main", "a") is None  # the callback registered nothing
    assert calls == ["a"]
    engine.list_relations()
    assert sorted(calls) == ["a", "b"]


def test_a_later_defer_or_drop_replaces_the_pending_one(engine: SparkEngine) -> None:
    calls: list[str] = []
    rel = Relation("main", "t")
    engine.defer(rel, lambda: calls.append("old"))
    engine.defer(rel, lambda: calls.append("new"))
    engine.frame("select * from main.t")
    assert calls == ["new"]
    engine.defer(rel, lambda: calls.append("dropped"))
    engine.drop(rel)
    engine.frame("select * from main.t")
    assert calls == ["new"]


def test_a_registration_that_defers_again_is_carried_out() -> None:
    eng = SparkEngine(master="local[1]")
    eng._session = FakeSession()
    calls: list[str] = []
    rel = Relation("main", "t")
    eng.defer(rel, lambda: eng.defer(rel, lambda: calls.append("inner")))
    assert eng.relation_type("main", "t") is None
    assert calls == ["inner"]


@pytest.mark.parametrize(("sql", "named"), [
    ('select 1 from "main"."t"', True),
    ("select 1 from main.t where x > 1", True),
    ("select 1 from `main__t`", True),
    ("select t_x from main.tt", False),
    ("select 1 from weir_stage__t__1", False),
])
def test_word_match(sql: str, named: bool) -> None:
    assert _names(("main", "t"), sql.lower()) is named


def test_a_python_models_code_registers_what_it_names(engine: SparkEngine) -> None:
    calls: list[str] = []
    deferred(engine, "main", "orders", calls)
    deferred(engine, "main", "customers", calls)
    engine.resolve('def model(dbt, session):\n    return session.table("main__orders")\n')
    assert calls == ["orders"]
