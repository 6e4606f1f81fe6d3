"""An asset-style node next to the dbt models: one row per customer with their paid orders,
lifetime value, favourite category and lifecycle stage, computed in polars.

Its parameters name its upstream models (``dim_customers``, ``fct_customer_orders``), so it
runs after them; ``assets/schema.yml`` tests it like a model, before its table is published.
"""

from __future__ import annotations

import polars as pl

from weir import asset


@asset(tags=["marts", "daily"], owners=["analytics@shop.example"])
def customer_lifetime(dim_customers: pl.DataFrame, fct_customer_orders: pl.DataFrame) -> pl.DataFrame:
    """Per customer: paid orders, lifetime value, favourite category and lifecycle stage."""
    paid = fct_customer_orders.filter(pl.col("net_amount") > 0)
    totals = paid.group_by("customer_id").agg(
        pl.len().alias("paid_orders"),
        pl.col("net_amount").sum().alias("lifetime_value"),
        pl.col("ordered_at").min().alias("first_paid_order_at"),
        pl.col("ordered_at").max().alias("last_paid_order_at"),
    )
    # favourite category: the most revenue, ties broken by name (deterministic)
    favourite = (
        paid.group_by("customer_id", "category").agg(pl.col("net_amount").sum().alias("revenue"))
        .sort(["customer_id", "revenue", "category"], descending=[False, True, False])
        .unique("customer_id", keep="first", maintain_order=True)
        .select("customer_id", pl.col("category").alias("favourite_category"))
    )
    out = (
        dim_customers.select("customer_id", "segment", "region")
        .join(totals, on="customer_id", how="left")
        .join(favourite, on="customer_id", how="left")
        .with_columns(
            pl.col("paid_orders").fill_null(0).cast(pl.Int64),
            pl.col("lifetime_value").fill_null(0),
        )
        .with_columns(
            (pl.col("lifetime_value") / pl.when(pl.col("paid_orders") > 0).then(pl.col("paid_orders")))
            .round(2).alias("avg_order_value"),
            pl.when(pl.col("paid_orders") == 0).then(pl.lit("prospect"))
            .when(pl.col("paid_orders") == 1).then(pl.lit("one_time"))
            .when(pl.col("paid_orders") < 5).then(pl.lit("repeat"))
            .otherwise(pl.lit("loyal")).alias("lifecycle"),
        )
    )
    return out.sort("customer_id")
