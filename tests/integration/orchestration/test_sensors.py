"""Sensors in real pipeline runs (files appearing, Delta commits and partitions, another pipeline's
run), and the probes behind them against S3 (SeaweedFS)."""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from weir.formats.delta import DeltaFormat
from weir.orchestration import Pipeline, PythonTask
from weir.orchestration.probes import last_commit_time, partition_exists, path_exists
from weir.orchestration.sensors import FileSensor, PipelineSensor, TableSensor
from weir.sql.relation import Relation
from weir.state.pipelines import PipelineStore
from weir.workspace.pipelines import ProjectPipelines

pytestmark = pytest.mark.integration

DAY = "2024-01-05"
SALES = Path(__file__).resolve().parents[3] / "examples" / "sales"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PipelineStore]:
    s = PipelineStore.open(tmp_path / "ledger.db")
    yield s
    s.close()


def later(seconds: float, action: Any) -> threading.Timer:
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


def rows(days: list[str]) -> pa.RecordBatchReader:
    table = pa.table({"order_id": list(range(len(days))), "day": days})
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())


# --------------------------------------------------------------------------- files


def test_file_sensor_waits_until_the_templated_file_appears(tmp_path: Path, store: PipelineStore) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()

    def arrive() -> None:
        (landing / f"orders_{DAY}.csv").write_text("order_id\n1\n2\n3\n")

    def load(ds: str) -> int:
        return len((landing / f"orders_{ds}.csv").read_text().splitlines()) - 1

    with Pipeline("ingest", schedule="@daily", start_date=dt.datetime(2024, 1, 1)) as p:
        FileSensor("wait_for_orders", filepath=str(landing / "orders_{{ ds }}.csv"), poke_interval=0.05,
                   timeout=60) >> PythonTask("load", python_callable=load, op_kwargs={"ds": "{{ ds }}"})
    timer = later(0.4, arrive)
    result = p.run(DAY, store=store)
    timer.join()
    assert result.state == "success", result.errors
    assert result.results["load"] == 3
    assert result.task_states == {"wait_for_orders": "success", "load": "success"}
    [ti] = [t for t in store.task_instances(result.run_id) if t.task_id == "wait_for_orders"]
    assert ti.try_number == 1  # pokes are not tries


def test_file_sensor_times_out_and_its_downstream_does_not_run(tmp_path: Path, store: PipelineStore) -> None:
    ran: list[str] = []
    with Pipeline("ingest") as p:
        FileSensor("wait", filepath=str(tmp_path / "never.csv"), poke_interval=0.05, timeout=0.3) >> \
            PythonTask("load", python_callable=lambda: ran.append("load"))
    result = p.run(store=store)
    assert result.state == "failed"
    assert result.task_states == {"wait": "failed", "load": "upstream_failed"}
    assert "sensor wait timed out after 0.3s" in result.errors["wait"]
    assert ran == []


def test_soft_fail_skips_the_sensor_and_its_downstream(tmp_path: Path, store: PipelineStore) -> None:
    with Pipeline("ingest") as p:
        FileSensor("wait", filepath=str(tmp_path / "*.csv"), poke_interval=0.05, timeout=0.3, soft_fail=True) >> \
            PythonTask("load", python_callable=lambda: "loaded")
    result = p.run(store=store)
    assert result.task_states == {"wait": "skipped", "load": "skipped"}
    assert result.state == "success"


def test_a_waiting_sensor_does_not_block_other_tasks_with_one_slot(tmp_path: Path, store: PipelineStore) -> None:
    # the file the sensor waits for is written by another task of the same run: with
    # max_active_tasks=1 this finishes only if the waiting sensor gives its slot back
    target = tmp_path / "ready.flag"
    with Pipeline("p", max_active_tasks=1) as p:
        FileSensor("wait", filepath=str(target), poke_interval=0.05, timeout=60) >> \
            PythonTask("after", python_callable=lambda: target.read_text())
        PythonTask("writer", python_callable=lambda: target.write_text("go"))
    result = p.run(store=store)
    assert result.state == "success", result.errors
    assert result.results["after"] == "go"


# --------------------------------------------------------------------------- tables


def test_table_sensor_waits_for_the_runs_partition(tmp_path: Path, store: PipelineStore) -> None:
    fmt = DeltaFormat(str(tmp_path / "wh"))
    rel = Relation(schema="raw", identifier="orders")
    fmt.write(rel, rows(["2024-01-04"]), mode="overwrite", metadata={}, partition_by=["day"])
    uri = fmt.location(rel)

    with Pipeline("marts", schedule="@daily", start_date=dt.datetime(2024, 1, 1)) as p:
        # "build" reports what it saw: the partition is there only if the sensor waited for it
        TableSensor("orders_landed", table=uri, partition={"day": "{{ ds }}"}, newer_than=dt.timedelta(days=1),
                    poke_interval=0.05, timeout=60) >> \
            PythonTask("build", python_callable=lambda ds: partition_exists("delta", uri, {"day": ds}),
                       op_kwargs={"ds": "{{ ds }}"})
    timer = later(0.4, lambda: fmt.write(rel, rows([DAY, DAY]), mode="append", metadata={}))
    result = p.run(DAY, store=store)
    timer.join()
    assert result.state == "success", result.errors
    assert result.results["build"] is True
    [(_, _, log)] = store.logs(result.run_id, "orders_landed")
    assert f"table {uri} committed at" in log


def test_table_sensor_wants_a_commit_after_the_interval_end(tmp_path: Path, store: PipelineStore) -> None:
    fmt = DeltaFormat(str(tmp_path / "wh"))
    rel = Relation(schema="raw", identifier="orders")
    fmt.write(rel, rows([DAY]), mode="overwrite", metadata={})
    uri = fmt.location(rel)
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    with Pipeline("marts", schedule="@daily", start_date=dt.datetime(2024, 1, 1)) as p:
        # the interval of a run two days ahead ends after the table's last commit: keep waiting
        TableSensor("fresh", table=uri, newer_than="data_interval_end", poke_interval=0.05, timeout=0.3)
        TableSensor("exists", table=uri, poke_interval=0.05, timeout=0.3)
        TableSensor("missing", table=str(tmp_path / "wh" / "raw" / "nothing"), poke_interval=0.05, timeout=0.3,
                    soft_fail=True)
    result = p.run(future, store=store)
    assert result.task_states == {"fresh": "failed", "exists": "success", "missing": "skipped"}
    [(_, _, log)] = store.logs(result.run_id, "fresh")  # the last poke's lines
    assert "is before" in log


SEED_WATCH = """
from weir.orchestration import DAG, BuildTask, PythonOperator, TableSensor

with DAG("seed_watch", max_active_tasks=1) as dag:
    TableSensor("wait_for_country_codes", table="country_codes", poke_interval=0.05, timeout=120) >> \\
        PythonOperator(task_id="count", python_callable=lambda project: project.execute_sql(
            "select count(*) from main.country_codes")[0][0])
    BuildTask("load_seed", select="country_codes")
    TableSensor("view_is_no_table", table="stg_orders", poke_interval=0.05, timeout=5)
"""


def test_table_sensor_finds_a_project_table_by_name(tmp_path: Path) -> None:
    # the sensor waits for a seed that another task of the run loads; one slot, so this also
    # shows the sensor leaving its slot to the build
    root = tmp_path / "sales"
    shutil.copytree(SALES, root, ignore=shutil.ignore_patterns("lakehouse", ".weir", "target", "data", "__pycache__"))
    (root / "pipelines" / "seed_watch.py").write_text(textwrap.dedent(SEED_WATCH))
    with ProjectPipelines(root) as pp:
        result = pp.trigger("seed_watch")
        pp.handle.close()
    assert result.task_states == {"wait_for_country_codes": "success", "count": "success", "load_seed": "success",
                                  "view_is_no_table": "failed"}
    assert result.results["count"] > 0
    assert "model stg_orders is not stored as a table" in result.errors["view_is_no_table"]


# --------------------------------------------------------------------------- other pipelines


def _upstream(fail: bool) -> Pipeline:
    def extract() -> str:
        if fail:
            raise ValueError("source is down")
        return "ok"

    with Pipeline("upstream", schedule="0 5 * * *", start_date=dt.datetime(2024, 1, 1)) as p:
        PythonTask("extract", python_callable=extract)
    return p


def report(store: PipelineStore, logical_date: dt.datetime) -> str:
    """What the task after the sensor sees: the upstream run's state at that moment."""
    upstream = (logical_date - dt.timedelta(hours=1)).isoformat(timespec="microseconds")
    return f"upstream was {store.run_state('upstream', upstream)}"


def _downstream(**sensor: Any) -> Pipeline:
    with Pipeline("downstream", schedule="0 6 * * *", start_date=dt.datetime(2024, 1, 1)) as p:
        PipelineSensor("wait_upstream", external_pipeline="upstream", execution_delta=dt.timedelta(hours=1),
                       poke_interval=0.05, **sensor) >> PythonTask("report", python_callable=report)
    return p


def test_pipeline_sensor_waits_for_the_other_pipelines_interval(tmp_path: Path, store: PipelineStore) -> None:
    upstream, downstream = _upstream(fail=False), _downstream(timeout=60)

    def run_upstream() -> None:  # as another process would: its own connection to the same ledger
        other = PipelineStore.open(tmp_path / "ledger.db")
        try:
            upstream.run(f"{DAY}T05:00:00", store=other)
        finally:
            other.close()

    timer = later(0.4, run_upstream)
    result = downstream.run(f"{DAY}T06:00:00", store=store)
    timer.join()
    assert result.state == "success", result.errors
    assert result.results["report"] == "upstream was success"
    assert store.run_state("upstream", "2024-01-05T05:00:00.000000+00:00") == "success"
    [(_, _, log)] = store.logs(result.run_id, "wait_upstream")
    assert "upstream for 2024-01-05T05:00:00.000000+00:00 is success" in log


def test_pipeline_sensor_soft_fails_when_the_other_run_never_comes(store: PipelineStore) -> None:
    result = _downstream(timeout=0.3, soft_fail=True).run(f"{DAY}T06:00:00", store=store)
    assert result.task_states == {"wait_upstream": "skipped", "report": "skipped"}


def test_pipeline_sensor_and_external_task(store: PipelineStore) -> None:
    assert _upstream(fail=False).run(f"{DAY}T05:00:00", store=store).state == "success"
    result = _downstream(timeout=60).run(f"{DAY}T06:00:00", store=store)
    assert result.state == "success" and result.results["report"] == "upstream was success"
    with Pipeline("by_task") as p:
        PipelineSensor("wait_extract", external_dag_id="upstream", external_task_id="extract",
                       poke_interval=0.05, timeout=60)
    assert p.run(f"{DAY}T05:00:00", store=store).task_states == {"wait_extract": "success"}


def test_pipeline_sensor_fails_at_once_on_a_failed_upstream_run(store: PipelineStore) -> None:
    assert _upstream(fail=True).run(f"{DAY}T05:00:00", store=store).state == "failed"
    result = _downstream(timeout=60, failed_states=["failed"]).run(f"{DAY}T06:00:00", store=store)
    assert result.task_states == {"wait_upstream": "failed", "report": "upstream_failed"}
    assert "upstream for 2024-01-05T05:00:00.000000+00:00 is failed" in result.errors["wait_upstream"]


# --------------------------------------------------------------------------- S3


def test_probes_on_s3_objects_prefixes_and_globs(s3_bucket: dict[str, Any]) -> None:
    fs, bucket, opts = s3_bucket["filesystem"], s3_bucket["bucket"], s3_bucket["storage_options"]
    with fs.open_output_stream(f"{bucket}/landing/{DAY}/orders_001.csv") as out:
        out.write(b"order_id\n1\n")
    url = s3_bucket["url"]
    assert path_exists(f"{url}/landing/{DAY}/orders_001.csv", opts)
    assert path_exists(f"{url}/landing/{DAY}", opts)
    assert path_exists(f"{url}/landing/{DAY}/orders_*.csv", opts)
    assert path_exists(f"{url}/landing/**/*.csv", opts)
    assert not path_exists(f"{url}/landing/{DAY}/orders_002.csv", opts)
    assert not path_exists(f"{url}/landing/2024-01-06/*.csv", opts)
    assert not path_exists(f"{url}/elsewhere/*.csv", opts)


def test_probes_on_a_delta_table_in_s3(s3_bucket: dict[str, Any]) -> None:
    opts = s3_bucket["storage_options"]
    fmt = DeltaFormat(f"{s3_bucket['url']}/wh", storage_options=opts)
    rel = Relation(schema="raw", identifier="orders")
    uri = fmt.location(rel)
    assert last_commit_time("delta", uri, opts) is None
    fmt.write(rel, rows([DAY]), mode="overwrite", metadata={}, partition_by=["day"])
    committed = last_commit_time("delta", uri, opts)
    assert committed is not None and abs((dt.datetime.now(dt.UTC) - committed).total_seconds()) < 120
    assert partition_exists("delta", uri, {"day": DAY}, opts)
    assert not partition_exists("delta", uri, {"day": "2024-01-06"}, opts)


def test_file_sensor_on_s3_in_a_pipeline(s3_bucket: dict[str, Any], store: PipelineStore) -> None:
    fs, bucket = s3_bucket["filesystem"], s3_bucket["bucket"]

    def arrive() -> None:
        with fs.open_output_stream(f"{bucket}/in/{DAY}/_SUCCESS") as out:
            out.write(b"")

    with Pipeline("s3_ingest", schedule="@daily", start_date=dt.datetime(2024, 1, 1)) as p:
        FileSensor("wait", filepath=s3_bucket["url"] + "/in/{{ ds }}/_SUCCESS",
                   storage_options=s3_bucket["storage_options"], poke_interval=0.05, timeout=60)
    timer = later(0.3, arrive)
    result = p.run(DAY, store=store)
    timer.join()
    assert result.task_states == {"wait": "success"}, result.errors
