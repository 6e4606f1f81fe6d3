"""Column lineage of single queries: what each output column is computed from, and how."""

from __future__ import annotations

from weir.lineage import analyze, relation_key

SCHEMAS = {
    "model.p.orders": {"id": "INTEGER", "customer_id": "INTEGER", "amount": "DOUBLE", "status": "VARCHAR"},
    "model.p.customers": {"id": "INTEGER", "name": "VARCHAR", "country": "VARCHAR"},
}
RELATIONS = {relation_key(k): v for k, v in {
    '"main"."orders"': "model.p.orders", '"main"."customers"': "model.p.customers",
    "read_parquet('data/raw/*.parquet')": "source.p.raw.events", "__dbt__cte__eph": "model.p.eph",
}.items()}


def refs(sql: str, schemas: dict | None = None) -> dict[str, list[tuple[str, str, str]]]:
    nl = analyze(sql, "model.p.out", RELATIONS, SCHEMAS if schemas is None else schemas)
    return {c: [(r.node.split(".")[-1], r.column, r.kind) for r in rs] for c, rs in nl.columns.items()}


def test_ctes_joins_aggregates_and_kinds() -> None:
    sql = """
        with o as (select * from "main"."orders" where status <> 'cancelled'),
             c as (select id as cid, upper(name) as cname from "main"."customers")
        select c.cname, o.customer_id, sum(o.amount) as total, count(*) as n
        from o join c on o.customer_id = c.cid
        group by 1, 2
    """
    nl = analyze(sql, "model.p.out", RELATIONS, SCHEMAS)
    assert nl.complete and not nl.notes
    out = refs(sql)
    assert out == {
        "cname": [("customers", "name", "derived")],
        "customer_id": [("orders", "customer_id", "direct")],
        "total": [("orders", "amount", "aggregated")],
        "n": [],
    }
    rows = {(r.node.split(".")[-1], r.column, r.kind) for r in nl.row_inputs}
    assert ("orders", "status", "filter") in rows
    assert ("customers", "id", "join") in rows and ("orders", "customer_id", "join") in rows


def test_window_functions_and_scalar_subqueries() -> None:
    out = refs("""
        select id, row_number() over (partition by customer_id order by amount) as rn,
               (select max(id) from "main"."customers") as top_customer
        from "main"."orders"
    """)
    assert out["id"] == [("orders", "id", "direct")]
    assert out["rn"] == [("orders", "amount", "window"), ("orders", "customer_id", "window")]
    assert out["top_customer"] == [("customers", "id", "aggregated")]


def test_select_star_is_expanded_with_known_schemas() -> None:
    out = refs('select o.*, c.name from "main"."orders" o left join "main"."customers" c on c.id = o.customer_id')
    assert list(out) == ["id", "customer_id", "amount", "status", "name"]
    assert out["amount"] == [("orders", "amount", "direct")]
    assert out["name"] == [("customers", "name", "direct")]


def test_star_exclude_and_unions_follow_every_arm() -> None:
    assert list(refs('select * exclude (status) from "main"."orders"')) == ["id", "customer_id", "amount"]
    out = refs("""select id, amount as value from "main"."orders"
                  union all select id, length(name) from "main"."customers" """)
    assert out["value"] == [("customers", "name", "derived"), ("orders", "amount", "direct")]


def test_unknown_schema_gives_no_columns_and_says_so() -> None:
    nl = analyze("select * from read_parquet('data/raw/*.parquet')", "model.p.out", RELATIONS, SCHEMAS)
    assert nl.columns == {} and not nl.complete
    assert "unknown schema" in nl.notes[0]
    # a single unknown source still traces named columns by name
    out = refs("select user_id, amount * 2 as doubled from read_parquet('data/raw/*.parquet') where kind = 'x'")
    assert out == {"user_id": [("events", "user_id", "direct")], "doubled": [("events", "amount", "derived")]}


def test_tables_outside_the_project_are_named_and_flagged() -> None:
    nl = analyze("select a from other_db.t", "model.p.out", RELATIONS, SCHEMAS)
    assert nl.columns["a"][0].node == "other_db.t"
    assert not nl.complete and "not a node of the project" in nl.notes[0]


def test_ephemeral_parents_resolve_by_their_cte_name() -> None:
    out = refs("select x from __dbt__cte__eph", {"model.p.eph": {"x": "INTEGER"}})
    assert out == {"x": [("eph", "x", "direct")]}


def test_unparsable_sql_is_a_note_not_an_error() -> None:
    nl = analyze("select from where", "model.p.out", RELATIONS, SCHEMAS)
    assert not nl.complete and nl.notes and nl.columns == {}
