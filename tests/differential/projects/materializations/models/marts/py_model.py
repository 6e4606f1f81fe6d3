import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")
    orders = dbt.ref("stg_orders").df()
    customers = dbt.ref("stg_customers").df()
    merged = orders.merge(customers, on="customer_id", how="inner")
    out = (
        merged.groupby(["country"], as_index=False)
        .agg(n_orders=("order_id", "count"), revenue=("amount", "sum"), first_order_id=("order_id", "min"))
        .sort_values("country")
    )
    out["revenue"] = out["revenue"].astype(float).round(2)
    out["n_orders"] = out["n_orders"].astype("int64")
    out["country_lower"] = out["country"].str.lower()
    out["is_big"] = out["revenue"] > 50
    return pd.DataFrame(out)
