"""The seed's ETL DAG in weir, against the sales example's lakehouse instead of S3 and Snowflake.

extract_from_source writes the day's raw extract (generate.py plays the source system),
transform_data builds the weir models downstream of it, load_to_warehouse runs a SQL file on
the project's engine, data_quality_check compares what was loaded with what was extracted.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from weir.orchestration import DAG, PythonOperator, SkipTask, SQLTask

PROJECT = Path(__file__).resolve().parent.parent
FIRST_DAY = dt.date(2024, 1, 15)  # generate.py's day 1


def extract_sales_data(date: str, **context):
    """Extract the day's orders from the source system into data/raw (as Parquet)."""
    day = (dt.date.fromisoformat(date) - FIRST_DAY).days + 1
    if day < 1:
        raise SkipTask(f"the source system has no data before {FIRST_DAY}")
    out = subprocess.run([sys.executable, str(PROJECT / "generate.py"), "--day", str(day)],
                         check=True, capture_output=True, text=True)
    print(out.stdout, end="")
    path = PROJECT / "data" / "raw" / "orders" / f"day={day:02d}.parquet"
    [(rows,)] = context["project"].execute_sql(f"select count(*) from read_parquet('{path}')")
    context["log"].info("extracted %s order rows for %s into %s", rows, date, path)
    return {"date": date, "file": str(path), "rows": rows}


def transform_sales_data(**context):
    """Clean and model the raw data: build the daily sales fact and everything it needs."""
    return context["project"].build(["+fct_daily_sales"], None, None, False)


def run_data_quality_checks(ds, ti, project):
    """The loaded day must have orders, and no more than were extracted."""
    extracted = ti.xcom_pull(task_ids="extract_from_source")["rows"]
    rows = project.execute_sql(
        f"select order_count from reporting.daily_sales_summary where sale_date = date '{ds}'")
    if not rows or rows[0][0] <= 0:
        raise ValueError(f"no sales loaded for {ds}")
    if rows[0][0] > extracted:
        raise ValueError(f"{rows[0][0]} orders loaded for {ds} but only {extracted} rows were extracted")
    return {"orders_loaded": rows[0][0], "rows_extracted": extracted}


default_args = {
    'owner': 'data-team',
    'depends_on_past': False,
    'email_on_failure': True,
    'email': ['data-alerts@company.com'],
    'retries': 3,
    'retry_delay': timedelta(minutes=5),
}

with DAG(
    dag_id='daily_sales_etl',
    default_args=default_args,
    description='Daily sales data ETL pipeline',
    schedule_interval='0 6 * * *',  # 6 AM daily
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=['etl', 'sales'],
) as dag:

    extract = PythonOperator(
        task_id='extract_from_source',
        python_callable=extract_sales_data,
        op_kwargs={'date': '{{ ds }}'},
    )

    transform = PythonOperator(
        task_id='transform_data',
        python_callable=transform_sales_data,
    )

    load = SQLTask(
        task_id='load_to_warehouse',
        sql='sql/load_sales.sql',
        params={'date': '{{ ds }}'},
    )

    validate = PythonOperator(
        task_id='data_quality_check',
        python_callable=run_data_quality_checks,
    )

    extract >> transform >> load >> validate
