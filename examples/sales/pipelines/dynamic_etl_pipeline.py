"""The seed's dynamic DAG in weir: one task group per source, built from decorated functions
whose return values flow to the next task. ``load`` records each load in the lakehouse's
catalog (table ``reporting.etl_loads``) instead of a remote warehouse."""

from __future__ import annotations

from datetime import datetime

from weir.orchestration import TaskGroup, dag, task


@dag(
    schedule_interval='@daily',
    start_date=datetime(2024, 1, 1),
    catchup=False,
)
def dynamic_etl_pipeline():

    sources = ['mysql', 'postgres', 'api']

    @task
    def extract(source: str):
        """Extract data from source"""
        return f"Extracted from {source}"

    @task
    def transform(data: str):
        """Transform extracted data"""
        return f"Transformed: {data}"

    @task
    def load(data: str, ds=None, project=None):
        """Load to data warehouse"""
        project.execute_sql(
            "create schema if not exists reporting; "
            "create table if not exists reporting.etl_loads (ds date, message varchar); "
            f"delete from reporting.etl_loads where ds = date '{ds}' and message = '{data}'; "
            f"insert into reporting.etl_loads values (date '{ds}', '{data}')")
        return f"Loaded: {data}"

    for source in sources:
        with TaskGroup(group_id=f'{source}_pipeline') as pipeline:  # noqa: F841 - named as in the seed
            extracted = extract(source)
            transformed = transform(extracted)
            load(transformed)

dag = dynamic_etl_pipeline()
