"""Pipeline definition: dependencies, groups, default_args, TaskFlow, and definition errors."""

from __future__ import annotations

import datetime as dt

import pytest

from weir.errors import WeirError
from weir.orchestration import (
    DAG,
    BashOperator,
    Pipeline,
    PythonOperator,
    PythonTask,
    ShellTask,
    TaskGroup,
    pipeline,
    task,
)


def noop() -> None:
    return None


def test_shift_operators_with_lists_on_either_side() -> None:
    with Pipeline("p") as p:
        a, b, c, d = (PythonTask(n, python_callable=noop) for n in "abcd")
        a >> [b, c]
        [b, c] >> d
    assert p.tasks["a"].downstream_ids == {"b", "c"}
    assert p.tasks["d"].upstream_ids == {"b", "c"}
    assert p.topological()[0] == "a" and p.topological()[-1] == "d"


def test_lshift_and_airflow_aliases() -> None:
    assert DAG is Pipeline and PythonOperator is PythonTask and BashOperator is ShellTask
    with DAG(dag_id="p") as p:
        a = PythonOperator(task_id="a", python_callable=noop)
        b = BashOperator(task_id="b", bash_command="true")
        b << a
    assert p.pipeline_id == "p"
    assert p.tasks["b"].upstream_ids == {"a"}


def test_default_args_fill_unset_options_only() -> None:
    with Pipeline("p", default_args={"retries": 3, "retry_delay": dt.timedelta(minutes=5), "owner": "data"}):
        a = PythonTask("a", python_callable=noop)
        b = PythonTask("b", python_callable=noop, retries=0)
    assert (a.retries, a.retry_delay, a.owner) == (3, 300.0, "data")
    assert b.retries == 0


def test_task_groups_prefix_ids_and_link_first_and_last_tasks() -> None:
    with Pipeline("p") as p:
        start = PythonTask("start", python_callable=noop)
        with TaskGroup("g") as g:
            x = PythonTask("x", python_callable=noop)
            y = PythonTask("y", python_callable=noop)
            with TaskGroup("inner"):
                z = PythonTask("z", python_callable=noop)
            x >> y >> z
        end = PythonTask("end", python_callable=noop)
        start >> g >> end
    assert set(p.tasks) == {"start", "g.x", "g.y", "g.inner.z", "end"}
    assert p.tasks["g.x"].upstream_ids == {"start"}
    assert end.upstream_ids == {"g.inner.z"}
    assert x.task_id == "g.x" and y.downstream_ids == {"g.inner.z"} and z.task_id == "g.inner.z"


def test_taskflow_calls_create_tasks_and_dependencies() -> None:
    @task
    def extract(source: str) -> str:
        return f"Extracted from {source}"

    @task
    def load(data: str) -> str:
        return f"Loaded: {data}"

    with Pipeline("p") as p:
        load(extract("mysql"))
        load(extract("api"))
    assert set(p.tasks) == {"extract", "extract__1", "load", "load__1"}
    assert p.tasks["load__1"].upstream_ids == {"extract__1"}
    # outside a pipeline a @task function is a plain function
    assert extract("x") == "Extracted from x"


def test_pipeline_decorator_returns_pipeline_named_after_function() -> None:
    @pipeline(schedule="@daily", start_date=dt.datetime(2024, 1, 1), tags=["t"])
    def my_flow() -> None:
        """Docs of my flow."""
        PythonTask("a", python_callable=noop)

    p = my_flow()
    assert isinstance(p, Pipeline) and p.pipeline_id == "my_flow" and p.description == "Docs of my flow."
    assert p.tags == ["t"] and list(p.tasks) == ["a"]


def _messages(p: Pipeline) -> list[str]:
    return [str(e) for e in p.validate()]


def test_cycle_is_reported_with_file_and_line() -> None:
    with Pipeline("p") as p:
        a = PythonTask("a", python_callable=noop)
        b = PythonTask("b", python_callable=noop)
        a >> b >> a
    msgs = _messages(p)
    assert len(msgs) == 1 and "has a cycle" in msgs[0] and "test_api.py:" in msgs[0]
    with pytest.raises(WeirError, match="cycle"):
        p.run()


def test_duplicate_ids_cross_pipeline_edges_and_bad_default_args() -> None:
    with Pipeline("other") as other:
        foreign = PythonTask("f", python_callable=noop)
    with Pipeline("p", default_args={"retrys": 2}) as p:
        a = PythonTask("a", python_callable=noop)
        PythonTask("a", python_callable=noop)
        a >> foreign
    msgs = "\n".join(_messages(p))
    assert "duplicate task id 'a'" in msgs
    assert "belongs to another pipeline ('other'" in msgs
    assert "unknown default_args key 'retrys'" in msgs and "did you mean 'retries'" in msgs
    assert other.validate() == []


def test_invalid_cron_and_trigger_rule() -> None:
    with Pipeline("p", schedule="61 * * * *", start_date=dt.datetime(2024, 1, 1)) as p:
        PythonTask("a", python_callable=noop, trigger_rule="all_sucess")
    msgs = "\n".join(_messages(p))
    assert "invalid cron schedule '61 * * * *'" in msgs
    assert "unknown trigger_rule 'all_sucess'" in msgs


def test_unknown_template_names_are_load_time_errors() -> None:
    with Pipeline("p", params={"region": "eu"}) as p:
        PythonTask("a", python_callable=noop, op_kwargs={"d": "{{ ds }} {{ params.region }} {{ macros.ds_add(ds, 1) }}"})
        ShellTask("b", bash_command="echo {{ dss }}")
        ShellTask("c", bash_command="echo {{ ds ")
    msgs = _messages(p)
    assert len(msgs) == 2
    assert "unknown name 'dss' in the template of b.bash_command" in msgs[0] and "did you mean 'ds'" in msgs[0]
    assert "test_api.py:" in msgs[0]
    assert "c.bash_command: template syntax error" in msgs[1]


def test_expand_needs_a_list() -> None:
    @task
    def f(x: int) -> int:
        return x

    with Pipeline("p") as p:
        f.expand(x=5)
    assert "needs a list or a task result" in _messages(p)[0]
