"""The seed's PySpark sales aggregation (jobs/sales_aggregation.py) as a weir model.

Completed orders, revenue = quantity * unit_price, a running total per product over the
sale date (window), then a daily summary per product category. weir does the rest of the
seed job: the table is incremental with ``unique_key=['sale_date', 'product_category']``,
so each run MERGEs its summaries into the Delta table (updating days it already wrote,
inserting new ones), partitioned by ``sale_date``.

One model, two engines: ``dbt.engine`` is ``"spark"`` on a ``type: spark`` target (``session``
is a SparkSession, ``dbt.ref`` returns Spark DataFrames: the seed's code, unchanged in
spirit) and ``"duckdb"`` on the embedded engine (the same steps with DuckDB relations).
"""

#: incremental runs recompute the latest sale date and this many days before it
#: (orders of a day may still change status the next day)
LOOKBACK_DAYS = 1


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        unique_key=["sale_date", "product_category"],
        incremental_strategy="merge",
        partition_by="sale_date",
    )
    orders, products = dbt.ref("orders"), dbt.ref("products")
    if dbt.engine == "spark":
        return _spark(orders, products, dbt.is_incremental)
    return _duckdb(orders, products, dbt.is_incremental)


def _spark(orders, products, is_incremental):
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    df = orders.join(products.select("product_id", "product_category"), "product_id")
    transformed = (
        df.withColumn("sale_date", F.to_date("timestamp"))
        .withColumn("revenue", F.col("quantity") * F.col("unit_price"))
        .filter(F.col("status") == "completed")
    )
    if is_incremental:
        latest = transformed.agg(F.max("sale_date")).first()[0]
        transformed = transformed.filter(F.col("sale_date") >= F.date_sub(F.lit(latest), LOOKBACK_DAYS))

    # Window function for running totals (per order line; the summary below aggregates them away)
    window = Window.partitionBy("product_id").orderBy("sale_date")
    with_running_total = transformed.withColumn("running_total", F.sum("revenue").over(window))

    return with_running_total.groupBy("sale_date", "product_category").agg(
        F.sum("revenue").alias("total_revenue"),
        F.count("order_id").alias("order_count"),
        F.avg("revenue").alias("avg_order_value"),
        F.countDistinct("customer_id").alias("unique_customers"),
    )


def _duckdb(orders, products, is_incremental):
    df = orders.join(products.project("product_id as p_id, product_category"), "product_id = p_id")
    transformed = (
        df.project("*, cast(timestamp as date) as sale_date, quantity * unit_price as revenue")
        .filter("status = 'completed'")
    )
    if is_incremental:
        latest = transformed.aggregate("max(sale_date)").fetchall()[0][0]
        transformed = transformed.filter(f"sale_date >= date '{latest}' - interval {LOOKBACK_DAYS} day")

    with_running_total = transformed.project(
        "*, sum(revenue) over (partition by product_id order by sale_date) as running_total")

    return with_running_total.aggregate(
        "sale_date, product_category, sum(revenue) as total_revenue, count(order_id) as order_count, "
        "avg(revenue) as avg_order_value, count(distinct customer_id) as unique_customers",
        "sale_date, product_category",
    )
