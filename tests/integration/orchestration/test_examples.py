"""The seed's two Airflow DAGs, as written in examples/sales/pipelines, run end to end on a copy of
the sales project; plus the pipeline CLI around them (validate, show, trigger, logs, backfill, clear)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from weir.workspace.pipelines import ProjectPipelines

pytestmark = pytest.mark.integration

SALES = Path(__file__).resolve().parents[3] / "examples" / "sales"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "sales"
    shutil.copytree(SALES, root, ignore=shutil.ignore_patterns("lakehouse", ".weir", "target", "data", "__pycache__"))
    return root


def weir(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "weir", *args, "--project-dir", str(root)],
                          capture_output=True, text=True, timeout=300)


def test_daily_sales_etl_loads_the_day_and_checks_it(project: Path) -> None:
    with ProjectPipelines(project) as pp:
        p = pp.get("daily_sales_etl")
        assert p.tags == ["etl", "sales"] and str(p.schedule) == "0 6 * * *" and not p.catchup
        assert p.tasks["load_to_warehouse"].retries == 3 and p.tasks["extract_from_source"].retry_delay == 300
        result = pp.trigger("daily_sales_etl", "2024-01-15")
        assert result.state == "success", result.errors
        assert result.results["extract_from_source"]["rows"] > 2000
        check = result.results["data_quality_check"]
        assert 0 < check["orders_loaded"] <= check["rows_extracted"]
        rows = pp.handle.execute_sql("select sale_date, order_count from reporting.daily_sales_summary")
        fact = pp.handle.execute_sql("select sum(order_count) from main.fct_daily_sales "
                                     "where sale_date = date '2024-01-15'")
        assert [(str(d), n) for d, n in rows] == [("2024-01-15", fact[0][0])]
        pp.handle.close()
    logs = weir(project, "logs", "daily_sales_etl", "extract_from_source", "--date", "2024-01-15")
    assert logs.returncode == 0, logs.stderr
    assert "try 1" in logs.stdout and "extracted" in logs.stdout and "orders/day=01.parquet" in logs.stdout


def test_dynamic_etl_pipeline_groups_pass_return_values(project: Path) -> None:
    with ProjectPipelines(project) as pp:
        p = pp.get("dynamic_etl_pipeline")
        assert sorted(p.tasks) == sorted(f"{s}_pipeline.{t}" for s in ("mysql", "postgres", "api")
                                         for t in ("extract", "transform", "load"))
        result = pp.trigger("dynamic_etl_pipeline", "2024-01-15")
        assert result.state == "success", result.errors
        assert result.results["api_pipeline.load"] == "Loaded: Transformed: Extracted from api"
        loads = pp.handle.execute_sql("select message from reporting.etl_loads order by message")
        assert [m for (m,) in loads] == [f"Transformed: Extracted from {s}" for s in ("api", "mysql", "postgres")]


def test_cli_validate_show_and_list(project: Path) -> None:
    out = weir(project, "pipelines", "validate")
    assert out.returncode == 0 and "2 pipeline(s) in 2 file(s), 0 problem(s)" in out.stdout
    show = weir(project, "pipelines", "show", "daily_sales_etl")
    assert show.returncode == 0, show.stderr
    assert "load_to_warehouse" in show.stdout and "after: transform_data" in show.stdout
    assert "next: interval" in show.stdout and "T06:00:00+00:00" in show.stdout
    listed = weir(project, "pipelines", "list")
    assert "dynamic_etl_pipeline" in listed.stdout and "schedule=@daily" in listed.stdout


def test_cli_validate_reports_each_problem_and_fails(project: Path) -> None:
    (project / "pipelines" / "broken.py").write_text(textwrap.dedent("""\
        from weir.orchestration import Pipeline, PythonTask

        with Pipeline("broken", schedule="0 25 * * *", start_date=None, default_args={"retires": 1}) as p:
            a = PythonTask("a", python_callable=print, op_args=["{{ dss }}"])
            b = PythonTask("b", python_callable=print)
            a >> b >> a
    """))
    out = weir(project, "pipelines", "validate")
    assert out.returncode == 1
    text = out.stdout
    assert "broken.py:3: invalid cron schedule '0 25 * * *'" in text
    assert "broken.py:3: unknown default_args key 'retires'" in text and "did you mean 'retries'" in text
    assert "broken.py:4: unknown name 'dss'" in text
    assert "has a cycle" in text
    assert "1 problem(s)" not in text and "2 pipeline(s)" not in text


def test_cli_backfill_is_resumable_and_clear_reruns_failed_tasks(project: Path) -> None:
    (project / "pipelines" / "flaky.py").write_text(textwrap.dedent("""\
        from datetime import datetime
        from pathlib import Path

        from weir.orchestration import Pipeline, ShellTask

        FLAG = Path(__file__).resolve().parent.parent / "broken_flag"

        with Pipeline("flaky", schedule="@daily", start_date=datetime(2024, 1, 1)) as p:
            first = ShellTask("first", bash_command="echo {{ ds }} >> {{ params.out }}/first.txt",
                              params={"out": str(FLAG.parent)})
            second = ShellTask("second", bash_command=f"test ! -e {FLAG} || (echo broken on {{{{ ds }}}} >&2; exit 1)")
            first >> second
    """))
    (project / "broken_flag").write_text("x")
    out = weir(project, "backfill", "flaky", "--start", "2024-01-01", "--end", "2024-01-03", "--max-parallel", "2")
    assert out.returncode == 1 and "3 interval(s) run, 3 failed" in out.stdout
    assert "broken on 2024-01-02" in out.stdout
    (project / "broken_flag").unlink()
    again = weir(project, "backfill", "flaky", "--start", "2024-01-01", "--end", "2024-01-04")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "4 interval(s) run, 0 failed" in again.stdout
    # failed intervals resumed: 'first' ran once per interval, the new 2024-01-04 included
    assert sorted((project / "first.txt").read_text().split()) == [f"2024-01-0{d}" for d in (1, 2, 3, 4)]
    third = weir(project, "backfill", "flaky", "--start", "2024-01-01", "--end", "2024-01-04")
    assert "already succeeded: skipped" in third.stdout and "0 interval(s) run" in third.stdout

    (project / "broken_flag").write_text("x")
    failed = weir(project, "trigger", "flaky", "--date", "2024-01-05")
    assert failed.returncode == 1 and "failed" in failed.stdout
    logs = weir(project, "logs", "flaky", "second", "--date", "2024-01-05", "--try", "1")
    assert "broken on 2024-01-05" in logs.stdout
    (project / "broken_flag").unlink()
    cleared = weir(project, "clear", "flaky", "--date", "2024-01-05", "--failed")
    assert cleared.returncode == 0, cleared.stdout + cleared.stderr
    assert "success" in cleared.stdout
    assert (project / "first.txt").read_text().split().count("2024-01-05") == 1
    runs = weir(project, "pipelines", "runs", "flaky")
    lines = runs.stdout.splitlines()
    assert len(lines) == 5 and all(line.split()[3] == "success" for line in lines), runs.stdout
