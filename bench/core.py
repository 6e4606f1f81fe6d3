"""Benchmark: weir vs dbt-core + dbt-duckdb building the same dbt projects (a script, not a test).

Usage::

    .venv/bin/python bench/core.py [--rows 1000000] [--keep] [--profile]

Two projects, each built once by each tool from a clean state, with the same command
(``build``) and 4 threads:

(a) ``examples/sales``: copied into ``bench/.work/core/example/{dbt,weir}`` with day-1 data
    from ``examples/sales/generate.py`` (nothing is written into the repo). dbt needs
    ``dbt_utils``: the hub is out of reach here, so the script writes a minimal local
    ``dbt_utils`` package (the two generic tests the project uses) into dbt's copy.
(b) a generated project of 200 models in 5 layers (40 staging views, 60 intermediate
    tables, 50 second-level intermediate tables, 40 marts, 10 final models of which 4 are
    incremental merges) over deterministic Parquet sources (1M orders, 50k customers, 2k
    products, 100 stores, 50k returns) declared with ``external_location``. After the build,
    both tools re-run the incremental models (``run --select tag:incremental``) so the merge
    path is exercised too.

Each build runs in a subprocess (``dbt build`` from the dbt venv, ``.venv/bin/weir build``);
walls are ``time.perf_counter`` around the subprocess, peak RSS from ``os.wait4`` (see
_common.py). Every relation is then compared: dbt's from its DuckDB file, weir's through
``weir.Workspace.read_table`` (Arrow), both checksummed in one DuckDB process.

``--profile`` additionally rebuilds the large project with weir under cProfile (all threads)
and prints the top functions of weir's own code.

Ends with one line::

    RESULT bench=core example_weir_s=.. example_dbt_s=.. large_weir_s=.. large_dbt_s=.. ratio=.. tables_equal=..
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    REPO,
    WEIR_BIN,
    WEIR_PY,
    WORK,
    Checksum,
    check_weir_did_something,
    checksum,
    dbt_venv,
    diff_sample,
    fmt_s,
    log,
    reexec_in_weir_venv,
    run_measured,
    write_dbt_profile,
)

reexec_in_weir_venv()

import duckdb  # noqa: E402

THREADS = 4

# --------------------------------------------------------------------------- dbt_utils shim

DBT_UTILS_PROJECT = """\
name: dbt_utils
version: "0.0.1"
config-version: 2
macro-paths: ["macros"]
"""

DBT_UTILS_TESTS = """\
{% test expression_is_true(model, expression, column_name=None) %}
select * from {{ model }}
where not ({% if column_name %}{{ column_name }} {% endif %}{{ expression }})
{% endtest %}

{% test unique_combination_of_columns(model, combination_of_columns, quote_columns=false) %}
select {{ combination_of_columns | join(', ') }}, count(*) as n_records
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
"""


def write_dbt_utils_shim(project: Path) -> None:
    pkg = project / "dbt_packages" / "dbt_utils"
    (pkg / "macros").mkdir(parents=True, exist_ok=True)
    (pkg / "dbt_project.yml").write_text(DBT_UTILS_PROJECT)
    (pkg / "macros" / "generic_tests.sql").write_text(DBT_UTILS_TESTS)


# --------------------------------------------------------------------------- large project: data

CHANNELS = ["web", "store", "app", "phone", "partner"]
STATUSES = ["completed", "shipped", "pending", "cancelled", "returned"]
PAYMENTS = ["card", "cash", "paypal", "voucher"]
SEGMENTS = ["consumer", "corporate", "home_office", "small_business"]
CATEGORIES = ["electronics", "home", "garden", "toys", "books", "sports", "beauty", "grocery"]
REGIONS = ["north", "south", "east", "west", "central"]
QUARTERS = [(y, q) for y in (2023, 2024) for q in (1, 2, 3, 4)]


def _pick(values: list[str], h: str) -> str:
    """SQL: values[h % len] as a CASE over a deterministic hash expression."""
    whens = " ".join(f"when {i} then '{v}'" for i, v in enumerate(values))
    return f"(case ({h}) % {len(values)} {whens} end)"


def generate_sources(out: Path, rows: int) -> dict[str, Path]:
    """Deterministic Parquet sources (hash of the row number, no RNG)."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = true")
    n_cust, n_prod, n_store, n_ret = 50_000, 2_000, 100, max(rows // 20, 1)

    def h(k: int, var: str = "i") -> str:
        return f"hash({var} * 1000003 + {k})"

    statuses_weighted = ["completed"] * 6 + ["shipped"] * 2 + ["pending", "cancelled", "returned"]
    queries = {
        "orders": f"""
            select i + 1 as order_id,
                   cast({h(1)} % {n_cust} + 1 as bigint) as customer_id,
                   cast({h(2)} % {n_prod} + 1 as bigint) as product_id,
                   cast({h(3)} % {n_store} + 1 as integer) as store_id,
                   timestamp '2023-01-01 00:00:00'
                     + to_seconds(cast(i * (63072000 // {rows}) + {h(4)} % 3600 as bigint)) as order_ts,
                   cast({h(5)} % 5 + 1 as integer) as quantity,
                   cast(({h(6)} % 20000 + 100) / 100.0 as decimal(10,2)) as unit_price,
                   cast(({h(7)} % 31) / 100.0 as decimal(4,2)) as discount_pct,
                   {_pick(statuses_weighted, h(8))} as status,
                   {_pick(CHANNELS, h(9))} as channel,
                   {_pick(PAYMENTS, h(10))} as payment
            from range({rows}) t(i)""",
        "customers": f"""
            select i + 1 as customer_id,
                   'first_' || ({h(11)} % 997) as first_name,
                   'last_' || ({h(12)} % 1999) as last_name,
                   'user' || (i + 1) || '@example.com' as email,
                   {_pick(SEGMENTS, h(13))} as segment,
                   {_pick(["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA"], h(14))} as country,
                   date '2020-01-01' + cast({h(15)} % 1100 as integer) as signup_date
            from range({n_cust}) t(i)""",
        "products": f"""
            select i + 1 as product_id,
                   'SKU-' || lpad(cast(i + 1 as varchar), 6, '0') as sku,
                   'product ' || (i + 1) as product_name,
                   {_pick(CATEGORIES, h(21))} as category,
                   cast(({h(22)} % 9000 + 50) / 100.0 as decimal(10,2)) as cost,
                   cast(({h(23)} % 20000 + 100) / 100.0 as decimal(10,2)) as list_price,
                   ({h(24)} % 10) <> 0 as is_active
            from range({n_prod}) t(i)""",
        "stores": f"""
            select i + 1 as store_id,
                   'store ' || (i + 1) as store_name,
                   {_pick(REGIONS, h(31))} as region,
                   date '2015-01-01' + cast({h(32)} % 2500 as integer) as opened_date,
                   cast({h(33)} % 2000 + 200 as integer) as sq_m
            from range({n_store}) t(i)""",
        "returns": f"""
            select i + 1 as return_id,
                   cast({h(41)} % {rows} + 1 as bigint) as order_id,
                   timestamp '2023-01-05 00:00:00'
                     + to_seconds(cast(i * (63072000 // {n_ret}) + {h(42)} % 86400 as bigint)) as return_ts,
                   {_pick(["damaged", "wrong_item", "late", "other"], h(43))} as reason,
                   cast(({h(44)} % 30000 + 100) / 100.0 as decimal(10,2)) as refund
            from range({n_ret}) t(i)""",
    }
    paths = {}
    for name, sql in queries.items():
        path = out / f"{name}.parquet"
        con.execute(f"copy ({sql}) to '{path}' (format parquet)")
        paths[name] = path
    con.close()
    return paths


# --------------------------------------------------------------------------- large project: models

MACROS = """\
{% macro money(expr) -%}
    cast({{ expr }} as decimal(18,2))
{%- endmacro %}

{% macro ratio(num, den, digits=6) -%}
    round(cast({{ num }} as double) / nullif(cast({{ den }} as double), 0), {{ digits }})
{%- endmacro %}

{#- one sum per value of `column`, named <prefix>_<value> -#}
{% macro pivot_sum(column, values, measure, prefix) -%}
    {%- for v in values %}
    sum(case when {{ column }} = '{{ v }}' then {{ measure }} else 0 end) as {{ prefix }}_{{ v }}
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
"""


def project_yml() -> str:
    def lst(xs: list[str]) -> str:
        return "[" + ", ".join(f"'{x}'" for x in xs) + "]"

    return f"""\
name: bench_large
version: "1.0.0"
config-version: 2
profile: bench_large

model-paths: ["models"]
macro-paths: ["macros"]

vars:
  channels: {lst(CHANNELS)}
  statuses: {lst(STATUSES)}
  payments: {lst(PAYMENTS)}
  segments: {lst(SEGMENTS)}
  categories: {lst(CATEGORIES)}
  regions: {lst(REGIONS)}
  quarters: {lst([f"{y}q{q}" for y, q in QUARTERS])}

models:
  bench_large:
    +materialized: table
    staging:
      +materialized: view
      +tags: ["staging"]
    intermediate:
      +tags: ["intermediate"]
    marts:
      +tags: ["marts"]
"""


def sources_yml(paths: dict[str, Path]) -> str:
    tables = "".join(
        f"      - name: {name}\n        config:\n          external_location: '{path}'\n"
        for name, path in paths.items()
    )
    return f"version: 2\n\nsources:\n  - name: raw\n    tables:\n{tables}"


SCHEMA_YML = """\
version: 2

models:
  - name: fct_orders
    columns:
      - name: order_id
        data_tests: [unique, not_null]
      - name: customer_id
        data_tests:
          - not_null
          - relationships:
              arguments:
                to: ref('stg_customers')
                field: customer_id
  - name: mart_customer_360
    columns:
      - name: customer_id
        data_tests: [unique, not_null]
  - name: mart_product_360
    columns:
      - name: product_id
        data_tests: [unique, not_null]
      - name: category
        data_tests:
          - accepted_values:
              arguments:
                values: ['electronics', 'home', 'garden', 'toys', 'books', 'sports', 'beauty', 'grocery']
  - name: int2_daily_total
    columns:
      - name: order_date
        data_tests: [unique, not_null]
"""


def large_models() -> dict[str, str]:
    """relative path -> SQL of the 200 models."""
    m: dict[str, str] = {}

    def add(layer: str, name: str, sql: str) -> None:
        m[f"{layer}/{name}.sql"] = sql.strip() + "\n"

    # ---- layer 1: staging views (40)
    add("staging", "stg_orders", """
select
    order_id, customer_id, product_id, store_id, order_ts,
    cast(order_ts as date) as order_date,
    quantity, unit_price, discount_pct,
    lower(trim(status)) as status, channel, payment,
    {{ money('quantity * unit_price * (1 - discount_pct)') }} as net_amount
from {{ source('raw', 'orders') }}
""")
    add("staging", "stg_customers", """
select customer_id, first_name || ' ' || last_name as full_name, lower(email) as email,
       segment, upper(country) as country, signup_date
from {{ source('raw', 'customers') }}
""")
    add("staging", "stg_products", """
select product_id, sku, product_name, category, cost, list_price, is_active
from {{ source('raw', 'products') }}
""")
    add("staging", "stg_stores", """
select store_id, store_name, region, opened_date, sq_m
from {{ source('raw', 'stores') }}
""")
    add("staging", "stg_returns", """
select return_id, order_id, return_ts, cast(return_ts as date) as return_date, reason, refund
from {{ source('raw', 'returns') }}
""")
    for c in CHANNELS:
        add("staging", f"stg_orders_ch_{c}", f"""
{{% set channel = '{c}' %}}
select * from {{{{ ref('stg_orders') }}}} where channel = '{{{{ channel }}}}'
""")
    for s in STATUSES:
        add("staging", f"stg_orders_st_{s}", f"""
select * from {{{{ ref('stg_orders') }}}} where status = '{s}'
""")
    for y, q in QUARTERS:
        add("staging", f"stg_orders_q_{y}q{q}", f"""
select * from {{{{ ref('stg_orders') }}}}
where year(order_date) = {y} and quarter(order_date) = {q}
""")
    for s in SEGMENTS:
        add("staging", f"stg_customers_seg_{s}", f"""
select * from {{{{ ref('stg_customers') }}}} where segment = '{s}'
""")
    for c in CATEGORIES:
        add("staging", f"stg_products_cat_{c}", f"""
select * from {{{{ ref('stg_products') }}}} where category = '{c}'
""")
    for r in REGIONS:
        add("staging", f"stg_stores_reg_{r}", f"""
select * from {{{{ ref('stg_stores') }}}} where region = '{r}'
""")

    # ---- layer 2: intermediate tables (60)
    add("intermediate", "int_orders_enriched", """
select
    o.*,
    c.segment, c.country,
    p.category, p.cost, p.list_price,
    s.region,
    {{ money('o.net_amount - o.quantity * p.cost') }} as margin
from {{ ref('stg_orders') }} o
left join {{ ref('stg_customers') }} c on o.customer_id = c.customer_id
left join {{ ref('stg_products') }} p on o.product_id = p.product_id
left join {{ ref('stg_stores') }} s on o.store_id = s.store_id
""")
    add("intermediate", "int_order_lines", """
select
    order_id, customer_id, order_ts, net_amount,
    row_number() over w as customer_order_seq,
    lag(order_ts) over w as prev_order_ts,
    sum(net_amount) over (w rows between unbounded preceding and current row) as running_total
from {{ ref('int_orders_enriched') }}
window w as (partition by customer_id order by order_ts, order_id)
""")
    for c in CHANNELS:
        add("intermediate", f"int_daily_ch_{c}", f"""
select o.order_date, p.category,
       count(*) as orders, sum(o.quantity) as units, sum(o.net_amount) as revenue,
       count(distinct o.customer_id) as customers
from {{{{ ref('stg_orders_ch_{c}') }}}} o
join {{{{ ref('stg_products') }}}} p on o.product_id = p.product_id
group by 1, 2
""")
        add("intermediate", f"int_dow_ch_{c}", f"""
select dayofweek(order_date) as dow, hour(order_ts) as hr,
       count(*) as orders, sum(net_amount) as revenue
from {{{{ ref('stg_orders_ch_{c}') }}}}
group by 1, 2
""")
    for s in STATUSES:
        add("intermediate", f"int_daily_st_{s}", f"""
select order_date, channel, count(*) as orders, sum(net_amount) as revenue
from {{{{ ref('stg_orders_st_{s}') }}}}
group by 1, 2
""")
    for y, q in QUARTERS:
        add("intermediate", f"int_quarter_{y}q{q}", f"""
select customer_id,
       count(*) as orders,
       sum(net_amount) as revenue,
       min(order_ts) as first_ts,
       max(order_ts) as last_ts,
       {{{{ pivot_sum('channel', var('channels'), 'net_amount', 'rev') }}}}
from {{{{ ref('stg_orders_q_{y}q{q}') }}}}
group by customer_id
""")
    for s in SEGMENTS:
        add("intermediate", f"int_segment_{s}", f"""
select c.customer_id, c.country, c.signup_date,
       count(o.order_id) as orders,
       coalesce(sum(o.net_amount), 0) as revenue
from {{{{ ref('stg_customers_seg_{s}') }}}} c
left join {{{{ ref('stg_orders') }}}} o on o.customer_id = c.customer_id
group by 1, 2, 3
""")
    for c in CATEGORIES:
        add("intermediate", f"int_category_{c}", f"""
select p.product_id, p.sku,
       sum(o.quantity) as units,
       sum(o.net_amount) as revenue,
       sum(o.net_amount - o.quantity * p.cost) as margin,
       round(avg(o.discount_pct), 4) as avg_discount
from {{{{ ref('stg_products_cat_{c}') }}}} p
join {{{{ ref('stg_orders') }}}} o on o.product_id = p.product_id
group by 1, 2
""")
    for r in REGIONS:
        add("intermediate", f"int_region_{r}", f"""
select s.store_id, s.store_name, o.order_date,
       count(*) as orders, sum(o.net_amount) as revenue
from {{{{ ref('stg_stores_reg_{r}') }}}} s
join {{{{ ref('stg_orders') }}}} o on o.store_id = s.store_id
group by 1, 2, 3
""")
    for r in REGIONS:
        add("intermediate", f"int_hourly_reg_{r}", f"""
select hour(order_ts) as hr, category, count(*) as orders, sum(net_amount) as revenue,
       round(avg(quantity), 4) as avg_quantity
from {{{{ ref('int_orders_enriched') }}}}
where region = '{r}'
group by 1, 2
""")
    for p in PAYMENTS:
        add("intermediate", f"int_payment_{p}", f"""
select order_date, status, count(*) as orders, sum(net_amount) as revenue
from {{{{ ref('stg_orders') }}}}
where payment = '{p}'
group by 1, 2
""")
    add("intermediate", "int_customer_orders_summary", """
select customer_id,
       count(*) as orders,
       sum(net_amount) as revenue,
       sum(margin) as margin,
       min(order_date) as first_order_date,
       max(order_date) as last_order_date,
       count(distinct product_id) as distinct_products
from {{ ref('int_orders_enriched') }}
group by customer_id
""")
    add("intermediate", "int_product_sales", """
select product_id, category,
       count(*) as orders, sum(quantity) as units, sum(net_amount) as revenue, sum(margin) as margin
from {{ ref('int_orders_enriched') }}
group by 1, 2
""")
    add("intermediate", "int_store_sales", """
select store_id, region,
       count(*) as orders, sum(net_amount) as revenue, count(distinct customer_id) as customers
from {{ ref('int_orders_enriched') }}
group by 1, 2
""")
    add("intermediate", "int_returns_enriched", """
select r.return_id, r.order_id, o.customer_id, o.product_id, o.store_id, r.reason, r.refund,
       date_diff('day', o.order_ts, r.return_ts) as days_to_return
from {{ ref('stg_returns') }} r
join {{ ref('stg_orders') }} o on o.order_id = r.order_id
""")
    add("intermediate", "int_customer_returns", """
select customer_id, count(*) as returns, sum(refund) as refunded
from {{ ref('int_returns_enriched') }}
group by customer_id
""")
    add("intermediate", "int_product_returns", """
select product_id, count(*) as returns, sum(refund) as refunded
from {{ ref('int_returns_enriched') }}
group by product_id
""")
    add("intermediate", "int_customer_first_order", """
select customer_id, order_id, order_ts
from {{ ref('int_order_lines') }}
where customer_order_seq = 1
""")
    add("intermediate", "int_customer_last_order", """
select customer_id, order_id, order_ts, running_total
from {{ ref('int_order_lines') }}
qualify row_number() over (partition by customer_id order by order_ts desc, order_id desc) = 1
""")
    add("intermediate", "int_order_gaps", """
select order_id, customer_id, date_diff('hour', prev_order_ts, order_ts) as gap_hours
from {{ ref('int_order_lines') }}
where prev_order_ts is not null
""")

    # ---- layer 3: second-level intermediate tables (50)
    add("intermediate", "int2_daily_total", """
select order_date,
       count(*) as orders, sum(net_amount) as revenue, sum(margin) as margin,
       count(distinct customer_id) as customers
from {{ ref('int_orders_enriched') }}
group by order_date
""")
    for c in CHANNELS:
        add("intermediate", f"int2_ch_{c}_rolling", f"""
with d as (
    select order_date, sum(orders) as orders, sum(revenue) as revenue
    from {{{{ ref('int_daily_ch_{c}') }}}}
    group by order_date
)
select order_date, orders, revenue,
       round(avg(revenue) over (order by order_date rows between 6 preceding and current row), 4) as revenue_7d_avg,
       sum(revenue) over (order by order_date rows between unbounded preceding and current row) as revenue_cum
from d
""")
        add("intermediate", f"int2_dow_ch_{c}_index", f"""
select dow, hr, orders, revenue,
       {{{{ ratio('orders', 'sum(orders) over (partition by dow)') }}}} as share_of_day
from {{{{ ref('int_dow_ch_{c}') }}}}
""")
    for s in STATUSES:
        add("intermediate", f"int2_st_{s}_share", f"""
select d.order_date, d.channel, d.orders, d.revenue,
       {{{{ ratio('d.revenue', 't.revenue') }}}} as revenue_share
from {{{{ ref('int_daily_st_{s}') }}}} d
join {{{{ ref('int2_daily_total') }}}} t on t.order_date = d.order_date
""")
    for y, q in QUARTERS:
        add("intermediate", f"int2_q_{y}q{q}_rank", f"""
select customer_id, orders, revenue,
       dense_rank() over (order by revenue desc) as revenue_rank,
       ntile(10) over (order by revenue desc, customer_id) as decile
from {{{{ ref('int_quarter_{y}q{q}') }}}}
""")
    for s in SEGMENTS:
        add("intermediate", f"int2_seg_{s}_cohort", f"""
select date_trunc('month', f.order_ts) as cohort_month, s.country,
       count(*) as customers, sum(s.revenue) as revenue, sum(s.orders) as orders
from {{{{ ref('int_segment_{s}') }}}} s
join {{{{ ref('int_customer_first_order') }}}} f on f.customer_id = s.customer_id
group by 1, 2
""")
    for c in CATEGORIES:
        add("intermediate", f"int2_cat_{c}_top", f"""
select product_id, sku, units, revenue, margin, avg_discount,
       rank() over (order by revenue desc, product_id) as revenue_rank,
       round(percent_rank() over (order by margin, product_id), 6) as margin_pct_rank
from {{{{ ref('int_category_{c}') }}}}
""")
    for r in REGIONS:
        add("intermediate", f"int2_reg_{r}_perf", f"""
with s as (
    select store_id, store_name, sum(orders) as orders, sum(revenue) as revenue,
           count(distinct order_date) as active_days
    from {{{{ ref('int_region_{r}') }}}}
    group by 1, 2
)
select *, {{{{ ratio('revenue', 'avg(revenue) over ()') }}}} as index_vs_region
from s
""")
    for p in PAYMENTS:
        add("intermediate", f"int2_pay_{p}_mix", f"""
select status, sum(orders) as orders, sum(revenue) as revenue, count(*) as days
from {{{{ ref('int_payment_{p}') }}}}
group by status
""")
    add("intermediate", "int2_customer_ltv", """
select s.customer_id, s.revenue,
       coalesce(r.refunded, 0) as refunded,
       s.revenue - coalesce(r.refunded, 0) as net_ltv,
       case when s.revenue - coalesce(r.refunded, 0) >= 5000 then 'gold'
            when s.revenue - coalesce(r.refunded, 0) >= 2000 then 'silver'
            else 'bronze' end as ltv_tier
from {{ ref('int_customer_orders_summary') }} s
left join {{ ref('int_customer_returns') }} r on r.customer_id = s.customer_id
""")
    add("intermediate", "int2_product_margin", """
select p.product_id, p.category, p.revenue, p.margin,
       coalesce(r.returns, 0) as returns,
       {{ ratio('p.margin', 'p.revenue', 4) }} as margin_rate,
       pr.list_price
from {{ ref('int_product_sales') }} p
left join {{ ref('int_product_returns') }} r on r.product_id = p.product_id
join {{ ref('stg_products') }} pr on pr.product_id = p.product_id
""")
    add("intermediate", "int2_store_ranking", """
select store_id, region, orders, revenue, customers,
       rank() over (partition by region order by revenue desc, store_id) as region_rank
from {{ ref('int_store_sales') }}
""")
    add("intermediate", "int2_order_gap_stats", """
select customer_id,
       round(avg(gap_hours), 4) as avg_gap_hours,
       median(gap_hours) as median_gap_hours,
       max(gap_hours) as max_gap_hours
from {{ ref('int_order_gaps') }}
group by customer_id
""")
    add("intermediate", "int2_customer_rfm", """
select customer_id, orders, revenue, last_order_date,
       date_diff('day', last_order_date, date '2025-01-01') as recency_days,
       ntile(5) over (order by last_order_date, customer_id) as r_score,
       ntile(5) over (order by orders, customer_id) as f_score,
       ntile(5) over (order by revenue, customer_id) as m_score
from {{ ref('int_customer_orders_summary') }}
""")

    # ---- layer 4: marts (40)
    add("marts", "mart_channel_summary", """
{% for c in var('channels') %}
select '{{ c }}' as channel, order_date, orders, revenue, revenue_7d_avg
from {{ ref('int2_ch_' ~ c ~ '_rolling') }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
""")
    add("marts", "mart_status_summary", """
{% for s in var('statuses') %}
select '{{ s }}' as status, channel, sum(orders) as orders, sum(revenue) as revenue,
       round(avg(revenue_share), 6) as avg_share
from {{ ref('int2_st_' ~ s ~ '_share') }}
group by channel
{% if not loop.last %}union all{% endif %}
{% endfor %}
""")
    add("marts", "mart_quarter_top_customers", """
{% for q in var('quarters') %}
select '{{ q }}' as quarter, customer_id, revenue, revenue_rank
from {{ ref('int2_q_' ~ q ~ '_rank') }}
where revenue_rank <= 100
{% if not loop.last %}union all{% endif %}
{% endfor %}
""")
    for c in CATEGORIES:
        add("marts", f"mart_cat_{c}", f"""
select t.product_id, t.sku, t.units, t.revenue, t.revenue_rank, t.margin_pct_rank,
       m.margin_rate, m.returns, m.list_price
from {{{{ ref('int2_cat_{c}_top') }}}} t
join {{{{ ref('int2_product_margin') }}}} m on m.product_id = t.product_id
""")
    for r in REGIONS:
        add("marts", f"mart_reg_{r}", f"""
select p.store_id, p.store_name, p.orders, p.revenue, p.active_days, p.index_vs_region,
       k.region_rank, k.customers
from {{{{ ref('int2_reg_{r}_perf') }}}} p
join {{{{ ref('int2_store_ranking') }}}} k on k.store_id = p.store_id
""")
    for s in SEGMENTS:
        add("marts", f"mart_seg_{s}", f"""
select cohort_month, country, customers, revenue,
       sum(revenue) over (partition by country order by cohort_month
                          rows between unbounded preceding and current row) as revenue_cum
from {{{{ ref('int2_seg_{s}_cohort') }}}}
""")
    for y, q in QUARTERS:
        add("marts", f"mart_q_{y}q{q}", f"""
select r.customer_id, r.revenue as quarter_revenue, r.revenue_rank, r.decile,
       f.r_score, f.f_score, f.m_score, l.ltv_tier, l.net_ltv
from {{{{ ref('int2_q_{y}q{q}_rank') }}}} r
join {{{{ ref('int2_customer_rfm') }}}} f on f.customer_id = r.customer_id
join {{{{ ref('int2_customer_ltv') }}}} l on l.customer_id = r.customer_id
""")
    for c in CHANNELS:
        add("marts", f"mart_ch_{c}", f"""
select r.order_date, r.revenue, r.revenue_7d_avg, r.revenue_cum,
       {{{{ ratio('r.revenue', 't.revenue') }}}} as channel_share
from {{{{ ref('int2_ch_{c}_rolling') }}}} r
join {{{{ ref('int2_daily_total') }}}} t on t.order_date = r.order_date
""")
    add("marts", "mart_dow_summary", """
{% for c in var('channels') %}
select '{{ c }}' as channel, dow, sum(orders) as orders, sum(revenue) as revenue
from {{ ref('int2_dow_ch_' ~ c ~ '_index') }}
group by dow
{% if not loop.last %}union all{% endif %}
{% endfor %}
""")
    add("marts", "mart_payment_summary", """
{% for p in var('payments') %}
select '{{ p }}' as payment, status, orders, revenue, days
from {{ ref('int2_pay_' ~ p ~ '_mix') }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
""")
    add("marts", "mart_customer_360", """
select c.customer_id, c.full_name, c.segment, c.country,
       l.revenue, l.refunded, l.net_ltv, l.ltv_tier,
       f.r_score, f.f_score, f.m_score, f.recency_days,
       g.avg_gap_hours, g.median_gap_hours
from {{ ref('stg_customers') }} c
join {{ ref('int2_customer_ltv') }} l on l.customer_id = c.customer_id
join {{ ref('int2_customer_rfm') }} f on f.customer_id = c.customer_id
left join {{ ref('int2_order_gap_stats') }} g on g.customer_id = c.customer_id
""")
    add("marts", "mart_product_360", """
select p.product_id, p.sku, p.category, p.is_active, m.revenue, m.margin, m.margin_rate, m.returns
from {{ ref('stg_products') }} p
join {{ ref('int2_product_margin') }} m on m.product_id = p.product_id
""")
    add("marts", "mart_store_360", """
select s.store_id, s.store_name, s.region, s.sq_m, k.revenue, k.region_rank,
       {{ ratio('k.revenue', 's.sq_m', 2) }} as revenue_per_sq_m
from {{ ref('stg_stores') }} s
join {{ ref('int2_store_ranking') }} k on k.store_id = s.store_id
""")
    add("marts", "mart_returns_overview", """
select reason,
       case when days_to_return < 0 then 'before_order'
            when days_to_return <= 30 then '0-30'
            when days_to_return <= 90 then '31-90'
            else '90+' end as bucket,
       count(*) as returns, sum(refund) as refunded
from {{ ref('int_returns_enriched') }}
group by 1, 2
""")
    add("marts", "mart_kpis", """
select sum(orders) as orders, sum(revenue) as revenue, sum(margin) as margin,
       {{ ratio('sum(margin)', 'sum(revenue)', 4) }} as margin_rate,
       min(order_date) as first_day, max(order_date) as last_day
from {{ ref('int2_daily_total') }}
""")

    # ---- layer 5: final models (10), 4 incremental merges
    add("marts", "fct_orders", """
{{ config(materialized='incremental', unique_key='order_id', incremental_strategy='merge',
          tags=['incremental']) }}
select e.order_id, e.customer_id, e.product_id, e.store_id, e.order_ts, e.order_date,
       e.status, e.channel, e.net_amount, e.margin, e.category, e.region,
       l.customer_order_seq, l.running_total
from {{ ref('int_orders_enriched') }} e
join {{ ref('int_order_lines') }} l on l.order_id = e.order_id
{% if is_incremental() %}
where e.order_date >= (select max(order_date) from {{ this }}) - interval 3 day
{% endif %}
""")
    add("marts", "fct_daily_category", """
{{ config(materialized='incremental', unique_key=['order_date', 'category'], incremental_strategy='merge',
          tags=['incremental']) }}
select order_date, category, count(*) as orders, sum(net_amount) as revenue, sum(margin) as margin
from {{ ref('int_orders_enriched') }}
{% if is_incremental() %}
where order_date >= (select max(order_date) from {{ this }}) - interval 7 day
{% endif %}
group by 1, 2
""")
    add("marts", "fct_customer_month", """
{{ config(materialized='incremental', unique_key=['customer_id', 'order_month'], incremental_strategy='merge',
          tags=['incremental']) }}
select customer_id, date_trunc('month', order_date) as order_month,
       count(*) as orders, sum(net_amount) as revenue
from {{ ref('int_orders_enriched') }}
{% if is_incremental() %}
where date_trunc('month', order_date) >= (select max(order_month) from {{ this }})
{% endif %}
group by 1, 2
""")
    add("marts", "fct_store_daily", """
{{ config(materialized='incremental', unique_key=['store_id', 'order_date'], incremental_strategy='merge',
          tags=['incremental']) }}
select store_id, order_date, count(*) as orders, sum(net_amount) as revenue
from {{ ref('int_orders_enriched') }}
{% if is_incremental() %}
where order_date > (select max(order_date) from {{ this }}) - interval 14 day
{% endif %}
group by 1, 2
""")
    add("marts", "rpt_category_overview", """
{% for c in var('categories') %}
select '{{ c }}' as category, count(*) as products, sum(revenue) as revenue,
       round(avg(margin_rate), 4) as avg_margin_rate
from {{ ref('mart_cat_' ~ c) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
""")
    add("marts", "rpt_region_overview", """
{% for r in var('regions') %}
select '{{ r }}' as region, count(*) as stores, sum(revenue) as revenue, max(index_vs_region) as best_index
from {{ ref('mart_reg_' ~ r) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
""")
    add("marts", "rpt_segment_overview", """
{% for s in var('segments') %}
select '{{ s }}' as segment, sum(customers) as customers, sum(revenue) as revenue
from {{ ref('mart_seg_' ~ s) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
""")
    add("marts", "rpt_quarter_overview", """
{% for q in var('quarters') %}
select '{{ q }}' as quarter, count(*) as customers, sum(quarter_revenue) as revenue,
       count(*) filter (where ltv_tier = 'gold') as gold_customers
from {{ ref('mart_q_' ~ q) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
""")
    add("marts", "rpt_channel_overview", """
{% for c in var('channels') %}
select '{{ c }}' as channel, sum(revenue) as revenue, round(avg(channel_share), 6) as avg_share
from {{ ref('mart_ch_' ~ c) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
""")
    add("marts", "rpt_executive", """
select k.orders, k.revenue, k.margin_rate,
       (select count(*) from {{ ref('rpt_channel_overview') }}) as channels,
       (select max(revenue) from {{ ref('rpt_region_overview') }}) as best_region_revenue,
       (select sum(revenue) from {{ ref('rpt_category_overview') }}) as category_revenue
from {{ ref('mart_kpis') }} k
""")
    return m


def write_large_project(dest: Path, paths: dict[str, Path]) -> int:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "dbt_project.yml").write_text(project_yml())
    (dest / "macros").mkdir(exist_ok=True)
    (dest / "macros" / "helpers.sql").write_text(MACROS)
    models = large_models()
    for rel, sql in models.items():
        p = dest / "models" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(sql)
    (dest / "models" / "sources.yml").write_text(sources_yml(paths))
    (dest / "models" / "schema.yml").write_text(SCHEMA_YML)
    return len(models)


# --------------------------------------------------------------------------- building


def build_dbt(project: Path, logs: Path, label: str, args: tuple[str, ...] = ("build",)) -> float:
    dbt = dbt_venv() / "bin" / "dbt"
    res = run_measured([str(dbt), *args, "--profiles-dir", str(project), "--project-dir", str(project),
                        "--threads", str(THREADS)], cwd=project, log_path=logs / f"{label}.log")
    log(f"  dbt  {' '.join(args):<32} {fmt_s(res.wall_s):>8} s   peak {res.peak_mb:7.0f} MiB")
    return res.wall_s


def build_weir(project: Path, logs: Path, label: str, args: tuple[str, ...] = ("build",)) -> float:
    res = run_measured([str(WEIR_BIN), *args, "--project-dir", str(project), "--threads", str(THREADS)],
                       cwd=project, log_path=logs / f"{label}.log")
    check_weir_did_something(res, project)
    log(f"  weir {' '.join(args):<32} {fmt_s(res.wall_s):>8} s   peak {res.peak_mb:7.0f} MiB")
    return res.wall_s


def _qi(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def compare(dbt_project: Path, weir_project: Path, only: set[str] | None = None) -> bool:
    """Every relation of both sides: same names, row counts, columns and checksums."""
    from weir import Workspace

    con = duckdb.connect()
    db = dbt_project / "dbt.duckdb"
    con.execute(f"attach '{db}' as dbt (read_only)")
    cwd = os.getcwd()
    os.chdir(dbt_project)  # dbt's views over relative external_location paths
    try:
        dbt_rels = {
            (s.lower(), n.lower()): (s, n)
            for s, n in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = 'dbt' and table_schema not in ('information_schema', 'pg_catalog')"
            ).fetchall()
        }
        dbt_sums: dict[tuple[str, str], Checksum] = {}
        for key, (s, n) in dbt_rels.items():
            if only is None or key[1] in only:
                dbt_sums[key] = checksum(con, f"dbt.{_qi(s)}.{_qi(n)}")
    finally:
        os.chdir(cwd)

    ok = True
    ws = Workspace.load(weir_project)
    try:
        weir_rels = {(s.lower(), n.lower()): (s, n) for s, n in ws.relations()}
        keys = set(dbt_rels) | set(weir_rels)
        if only is not None:
            keys = {k for k in keys if k[1] in only}
        type_notes = []
        for key in sorted(keys):
            if key not in dbt_rels or key not in weir_rels:
                ok = False
                log(f"  MISSING {key[0]}.{key[1]}: {'only weir' if key in weir_rels else 'only dbt'}")
                continue
            tbl = ws.read_table(*weir_rels[key])
            con.register("weir_tbl", tbl)
            w = checksum(con, "weir_tbl")
            d = dbt_sums[key]
            if not d.same_data(w):
                ok = False
                log(f"  DIFF {key[0]}.{key[1]}: dbt rows={d.rows} weir rows={w.rows} "
                    f"columns equal={[c.lower() for c, _ in d.columns] == [c.lower() for c, _ in w.columns]}")
                if [c.lower() for c, _ in d.columns] != [c.lower() for c, _ in w.columns]:
                    log(f"    dbt columns:  {d.columns}\n    weir columns: {w.columns}")
                else:
                    os.chdir(dbt_project)
                    try:
                        s, n = dbt_rels[key]
                        log(diff_sample(con, f"dbt.{_qi(s)}.{_qi(n)}", "weir_tbl"))
                    finally:
                        os.chdir(cwd)
            dt = {c.lower(): t for c, t in d.columns}
            for c, t in w.columns:
                if dt.get(c.lower()) not in (None, t):
                    type_notes.append(f"{key[1]}.{c}: dbt {dt[c.lower()]} / weir {t}")
            con.unregister("weir_tbl")
        log(f"  compared {len(keys)} relations: {'all equal' if ok else 'DIFFERENCES'}")
        if type_notes:
            log(f"  type differences ({len(type_notes)}, data still compared as text): "
                + "; ".join(type_notes[:8]) + (" ..." if len(type_notes) > 8 else ""))
    finally:
        ws.close()
        con.close()
    return ok


# --------------------------------------------------------------------------- profiling

PROFILE_WRAPPER = r"""
import cProfile, pstats, sys, threading
profs = []
_run = threading.Thread.run
def run(self, *a, **k):
    p = cProfile.Profile(); profs.append(p); p.enable()
    try:
        return _run(self, *a, **k)
    finally:
        p.disable()
threading.Thread.run = run
main = cProfile.Profile(); profs.append(main)
out = sys.argv[1]
sys.argv = ["weir", *sys.argv[2:]]
from weir.cli.main import main as weir_main
main.enable()
try:
    weir_main()
except SystemExit:
    pass
finally:
    main.disable()
    st = pstats.Stats(main)
    for p in profs[1:]:
        try:
            st.add(p)
        except TypeError:
            pass
    st.dump_stats(out)
"""


def profile_weir(project: Path, logs: Path) -> None:
    for d in (".weir", "lakehouse", "target"):
        shutil.rmtree(project / d, ignore_errors=True)
    prof = logs / "weir_large.prof"
    wrapper = logs / "profile_wrapper.py"
    wrapper.write_text(PROFILE_WRAPPER)
    res = run_measured([str(WEIR_PY), str(wrapper), str(prof), "build", "--project-dir", str(project),
                        "--threads", str(THREADS)], cwd=project, log_path=logs / "weir_large_profiled.log")
    log(f"  weir build under cProfile (all threads): {fmt_s(res.wall_s)} s; stats in {prof}")
    import pstats

    st = pstats.Stats(str(prof))
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append((ct, tt, nc, file, line, func))
    weir_rows = [r for r in rows if "/src/weir/" in r[3]]
    log("  top weir functions by cumulative time (summed over threads):")
    for ct, tt, nc, file, line, func in sorted(weir_rows, reverse=True)[:25]:
        short = file.split("/src/", 1)[1]
        log(f"    {ct:8.2f} cum {tt:7.2f} own {nc:8d} calls  {short}:{line} {func}")
    log("  top functions by own time (any code):")
    for ct, tt, nc, file, line, func in sorted(rows, key=lambda r: r[1], reverse=True)[:15]:
        short = file.split("/site-packages/", 1)[-1].split("/src/", 1)[-1]
        log(f"    {tt:8.2f} own {ct:8.2f} cum {nc:8d} calls  {short}:{line} {func}")


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="orders in the large project's source")
    ap.add_argument("--keep", action="store_true", help="keep bench/.work/core afterwards")
    ap.add_argument("--profile", action="store_true", help="also profile weir's large build (cProfile)")
    ap.add_argument("--skip-example", action="store_true")
    ap.add_argument("--work", type=Path, default=WORK / "core", help="scratch folder (default bench/.work/core)")
    args = ap.parse_args()

    work = args.work.resolve()
    for sub in ("example", "large", "logs"):  # only what this script creates
        shutil.rmtree(work / sub, ignore_errors=True)
    logs = work / "logs"
    logs.mkdir(parents=True)
    dbt_venv()
    equal = True

    # (a) examples/sales
    ex_w = ex_d = float("nan")
    if not args.skip_example:
        log("== example project: examples/sales, day 1")
        raw = work / "example" / "raw"
        run_measured([str(WEIR_PY), str(REPO / "examples" / "sales" / "generate.py"), "--day", "1",
                      "--out", str(raw)], cwd=work, log_path=logs / "generate_example.log")
        ignore = shutil.ignore_patterns("data", "target", "logs", ".weir", "lakehouse", "*.duckdb*",
                                        "dbt_packages", "__pycache__")
        ex_dbt, ex_weir = work / "example" / "dbt", work / "example" / "weir"
        for d in (ex_dbt, ex_weir):
            shutil.copytree(REPO / "examples" / "sales", d, ignore=ignore)
            shutil.copytree(raw, d / "data" / "raw")
        write_dbt_profile(ex_dbt, "sales", ex_dbt / "dbt.duckdb", THREADS)
        write_dbt_utils_shim(ex_dbt)
        ex_d = build_dbt(ex_dbt, logs, "dbt_example")
        ex_w = build_weir(ex_weir, logs, "weir_example")
        equal &= compare(ex_dbt, ex_weir)

    # (b) generated large project
    log(f"== large project: 200 models over {args.rows:,} orders")
    paths = generate_sources(work / "large" / "sources", args.rows)
    lg_dbt, lg_weir = work / "large" / "dbt", work / "large" / "weir"
    n = write_large_project(lg_dbt, paths)
    write_large_project(lg_weir, paths)
    assert n == 200, n
    write_dbt_profile(lg_dbt, "bench_large", lg_dbt / "dbt.duckdb", THREADS)
    lg_d = build_dbt(lg_dbt, logs, "dbt_large")
    lg_w = build_weir(lg_weir, logs, "weir_large")
    equal &= compare(lg_dbt, lg_weir)
    log("== large project: incremental re-run (run --select tag:incremental)")
    inc = ("run", "--select", "tag:incremental")
    build_dbt(lg_dbt, logs, "dbt_large_inc", inc)
    build_weir(lg_weir, logs, "weir_large_inc", inc)
    equal &= compare(lg_dbt, lg_weir, only={"fct_orders", "fct_daily_category", "fct_customer_month",
                                           "fct_store_daily"})

    if args.profile:
        log("== profiling weir on the large project")
        profile_weir(lg_weir, logs)

    if not args.keep:
        shutil.rmtree(work / "large", ignore_errors=True)
        shutil.rmtree(work / "example", ignore_errors=True)
    ratio = lg_w / lg_d
    print(f"RESULT bench=core example_weir_s={fmt_s(ex_w)} example_dbt_s={fmt_s(ex_d)} "
          f"large_weir_s={fmt_s(lg_w)} large_dbt_s={fmt_s(lg_d)} ratio={ratio:.2f} "
          f"tables_equal={'true' if equal else 'false'}", flush=True)


if __name__ == "__main__":
    main()
