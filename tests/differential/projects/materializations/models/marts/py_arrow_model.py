def model(dbt, session):
    # .arrow() is a pyarrow Table or a RecordBatchReader depending on the duckdb version
    data = dbt.ref("customer_orders").arrow()
    if hasattr(data, "read_all"):
        data = data.read_all()
    df = data.to_pandas()
    df = df[df["n_orders"] > 0][["customer_id", "customer_name", "n_orders"]]
    # rank ties by customer_id so the result does not depend on row order
    df = df.sort_values(["n_orders", "customer_id"], ascending=[False, True]).reset_index(drop=True)
    df["rank"] = range(1, len(df) + 1)
    df["rank"] = df["rank"].astype("int64")
    return df
