"""Templates in task arguments, the context names they see, and loading pipeline files."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

from weir.orchestration import Pipeline, PythonTask
from weir.orchestration.loader import load_pipelines
from weir.orchestration.schedule import Schedule


class FakeProject:
    """A ProjectHandle that records SQL instead of running it (unit tests only)."""

    name = "fake"
    pools: dict[str, int] = {}
    alert_settings: dict[str, Any] = {}

    def __init__(self, vars: dict[str, Any]) -> None:
        self.vars = vars
        self.sql: list[str] = []

    def execute_sql(self, sql: str) -> list[tuple[Any, ...]]:
        self.sql.append(sql)
        return [(1,)]

    def build(self, *a: Any) -> Any:
        raise NotImplementedError

    def table_uri(self, name: str) -> tuple[str, str, dict[str, str]]:
        raise NotImplementedError


def echo(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if k.startswith("v_")}


def test_template_names_render() -> None:
    with Pipeline("p", schedule="0 6 * * *", start_date=dt.datetime(2024, 1, 1), params={"region": "eu"}) as p:
        PythonTask("t", python_callable=echo, op_kwargs={
            "v_ds": "{{ ds }}", "v_nodash": "{{ ds_nodash }}", "v_prev": "{{ prev_ds }}", "v_next": "{{ next_ds }}",
            "v_start": "{{ data_interval_start.isoformat() }}", "v_end": "{{ data_interval_end.isoformat() }}",
            "v_add": "{{ macros.ds_add(ds, 7) }}", "v_param": "{{ params.region }}",
            "v_var": "{{ var.value.country }}-{{ var('missing', 'dflt') }}", "v_list": ["{{ ds }}", 5],
            "v_run": "{{ run_id[:6] }}"})
    project = FakeProject({"country": "fr"})
    r = p.run(dt.datetime(2024, 3, 10, 6, tzinfo=dt.UTC), project=project)
    assert r.results["t"] == {
        "v_ds": "2024-03-10", "v_nodash": "20240310", "v_prev": "2024-03-09", "v_next": "2024-03-11",
        "v_start": "2024-03-10T06:00:00+00:00", "v_end": "2024-03-11T06:00:00+00:00", "v_add": "2024-03-17",
        "v_param": "eu", "v_var": "fr-dflt", "v_list": ["2024-03-10", 5], "v_run": "manual"}


def test_conf_overrides_params_and_params_values_are_templated() -> None:
    with Pipeline("p", params={"day": "{{ ds }}", "limit": 10}) as p:
        PythonTask("t", python_callable=echo, op_kwargs={"v_": "{{ params.day }}/{{ params.limit }}"})
    r = p.run("2024-05-01", conf={"limit": 3})
    assert r.results["t"] == {"v_": "2024-05-01/3"}


def test_ds_is_the_logical_date_in_the_pipeline_timezone() -> None:
    with Pipeline("p", schedule="0 0 * * *", start_date=dt.datetime(2024, 1, 1), timezone="Europe/Paris") as p:
        PythonTask("t", python_callable=echo, op_kwargs={"v_": "{{ ds }} {{ ts }}"})
    # midnight in Paris is 23:00 UTC the day before
    r = p.run(dt.datetime(2024, 1, 1, 23, tzinfo=dt.UTC))
    assert r.results["t"] == {"v_": "2024-01-02 2024-01-02T00:00:00+01:00"}


def test_sql_file_next_to_the_pipeline_with_params(tmp_path: Path) -> None:
    (tmp_path / "pipelines" / "sql").mkdir(parents=True)
    (tmp_path / "pipelines" / "sql" / "load.sql").write_text(
        "insert into sales select * from staging where day = '{{ params.date }}'\n")
    (tmp_path / "pipelines" / "flow.py").write_text(textwrap.dedent("""
        from weir.orchestration import Pipeline, SQLTask

        with Pipeline("flow") as p:
            SQLTask("load", sql="sql/load.sql", params={"date": "{{ ds }}"})
    """))
    loaded = load_pipelines([tmp_path / "pipelines"])
    assert loaded.errors == []
    project = FakeProject({})
    r = loaded.pipelines["flow"].run("2024-01-15", project=project)
    assert r.state == "success"
    assert project.sql == ["insert into sales select * from staging where day = '2024-01-15'\n"]


def test_pipeline_file_errors_name_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "pipelines"
    folder.mkdir()
    (folder / "broken_syntax.py").write_text("from weir.orchestration import Pipeline\nwith Pipeline('x') as p\n")
    (folder / "raises.py").write_text("import weir\n\nraise RuntimeError('no config')\n")
    (folder / "bad_template.py").write_text(textwrap.dedent("""\
        from weir.orchestration import Pipeline, ShellTask, SQLTask

        with Pipeline("bad") as p:
            ShellTask("echo", bash_command="echo {{ ds }} {{ yesterday }}")
            SQLTask("q", sql="missing.sql")
    """))
    (folder / "dup.py").write_text("from weir.orchestration import Pipeline\nPipeline('bad')\n")
    (folder / "_helper.py").write_text("raise RuntimeError('helpers are not pipeline files')\n")
    loaded = load_pipelines([folder])
    msgs = sorted(str(e) for e in loaded.errors)
    assert any("bad_template.py:4: unknown name 'yesterday'" in m for m in msgs)
    assert any("bad_template.py:5: SQL file of q cannot be read" in m for m in msgs)
    assert any("broken_syntax.py:2: syntax error" in m for m in msgs)
    assert any("raises.py:3: loading the pipeline file failed: RuntimeError: no config" in m for m in msgs)
    assert any("dup.py:2: duplicate pipeline id 'bad'" in m for m in msgs)
    assert len(msgs) == 5 and list(loaded.pipelines) == ["bad"]


def test_schedule_intervals() -> None:
    s = Schedule("0 6 * * *", dt.datetime(2024, 1, 1), None, "UTC")
    now = dt.datetime(2024, 1, 4, 7, tzinfo=dt.UTC)
    ivs = list(s.intervals(None, now))
    assert [(a.day, b.day) for a, b in ivs] == [(1, 2), (2, 3), (3, 4)]
    assert s.latest_complete(now) == ivs[-1]
    assert list(s.intervals(ivs[0][0], now)) == ivs[1:]
    assert s.next_runs(2, now)[0][1] == dt.datetime(2024, 1, 5, 6, tzinfo=dt.UTC)
    weekly = Schedule(dt.timedelta(days=7), dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 20), "UTC")
    assert [a.day for a, _ in weekly.intervals(None, dt.datetime(2024, 3, 1, tzinfo=dt.UTC))] == [1, 8, 15]
    once = Schedule("@once", dt.datetime(2024, 1, 1), None, "UTC")
    assert list(once.intervals(None, now)) == [(once.start, once.start)]
    assert list(once.intervals(once.start, now)) == []
    hourly = Schedule("@hourly", dt.datetime(2024, 1, 1), None, "UTC")
    assert len(hourly.between(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2024, 1, 1, 5, tzinfo=dt.UTC))) == 6


def test_cron_in_a_timezone_across_daylight_saving() -> None:
    s = Schedule("0 6 * * *", dt.datetime(2024, 3, 29), None, "Europe/Paris")
    ivs = list(s.intervals(None, dt.datetime(2024, 4, 2, tzinfo=dt.UTC)))
    # 06:00 Paris is 05:00 UTC before 31 March and 04:00 UTC after
    assert [a.astimezone(dt.UTC).hour for a, _ in ivs] == [5, 5, 4]
    assert all(b - a <= dt.timedelta(days=1) for a, b in ivs)
