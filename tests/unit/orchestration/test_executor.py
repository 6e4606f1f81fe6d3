"""Running pipelines in-process: results, trigger rules, retries, timeouts, pools, sensors, mapping,
caching and stored attempt logs."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from weir.errors import TransientError, WeirError
from weir.orchestration import (
    Pipeline,
    PythonTask,
    Sensor,
    ShellTask,
    SkipTask,
    TaskGroup,
    task,
    task_input_hash,
)
from weir.state.pipelines import PipelineStore


@pytest.fixture
def store(tmp_path: Path) -> PipelineStore:
    s = PipelineStore.open(tmp_path / "ledger.db")
    yield s
    s.close()


def noop() -> None:
    return None


def test_values_flow_and_context_reaches_callables(store: PipelineStore) -> None:
    seen: dict[str, Any] = {}

    def extract(date: str, **context: Any) -> dict[str, Any]:
        seen.update(ds=context["ds"], run_id=context["run_id"], prev_ds=context["prev_ds"])
        context["log"].info("extracting %s", date)
        print("printed line")
        return {"date": date, "rows": 3}

    def transform(ti: Any) -> int:
        return ti.xcom_pull(task_ids="extract")["rows"] * 10

    with Pipeline("p", schedule="0 6 * * *", start_date=dt.datetime(2024, 1, 1)) as p:
        PythonTask("extract", python_callable=extract, op_kwargs={"date": "{{ ds }}"}) >> \
            PythonTask("transform", python_callable=transform)
    result = p.run("2024-01-05T06:00:00", store=store)
    assert result.state == "success"
    assert result.results == {"extract": {"date": "2024-01-05", "rows": 3}, "transform": 30}
    assert seen["ds"] == "2024-01-05" and seen["prev_ds"] == "2024-01-04" and seen["run_id"] == result.run_id
    [(map_index, try_number, text)] = store.logs(result.run_id, "extract")
    assert (map_index, try_number) == (-1, 1)
    assert "extracting 2024-01-05" in text and "printed line" in text
    assert store.run_state("p", "2024-01-05T06:00:00.000000+00:00") == "success"
    assert store.results(result.run_id)[("transform", -1)] == 30


def test_failure_marks_downstream_upstream_failed_and_trigger_rules_decide(store: PipelineStore) -> None:
    def boom() -> None:
        raise ValueError("bad row")

    with Pipeline("p") as p:
        a = PythonTask("a", python_callable=boom)
        b = PythonTask("b", python_callable=noop)
        c = PythonTask("c", python_callable=noop)
        cleanup = PythonTask("cleanup", python_callable=noop, trigger_rule="all_done")
        alert = PythonTask("alert", python_callable=noop, trigger_rule="one_failed")
        happy = PythonTask("happy", python_callable=noop, trigger_rule="none_failed")
        a >> b >> c
        [a, b] >> cleanup
        a >> alert
        b >> happy
    r = p.run(store=store)
    assert r.state == "failed"
    assert r.task_states == {"a": "failed", "b": "upstream_failed", "c": "upstream_failed", "cleanup": "success",
                             "alert": "success", "happy": "upstream_failed"}
    assert "ValueError: bad row" in r.errors["a"]
    [(_, _, text)] = store.logs(r.run_id, "a")
    assert "Traceback" in text and "bad row" in text


def test_skip_propagates_to_all_success_downstream(store: PipelineStore) -> None:
    def skip() -> None:
        raise SkipTask("nothing new today")

    with Pipeline("p") as p:
        s = PythonTask("s", python_callable=skip)
        s >> PythonTask("after", python_callable=noop)
        s >> PythonTask("either", python_callable=noop, trigger_rule="none_failed")
    r = p.run(store=store)
    assert r.state == "success"
    assert r.task_states == {"s": "skipped", "after": "skipped", "either": "success"}


def test_retries_with_exponential_backoff_then_success(store: PipelineStore) -> None:
    calls: list[float] = []

    def flaky() -> str:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise ValueError(f"attempt {len(calls)} failed")
        return "ok"

    retried: list[int] = []
    with Pipeline("p") as p:
        PythonTask("f", python_callable=flaky, retries=3, retry_delay=0.05, retry_exponential_backoff=True,
                   max_retry_delay=0.08, on_retry_callback=lambda ctx: retried.append(ctx.try_number))
    r = p.run(store=store)
    assert r.state == "success" and r.results["f"] == "ok"
    assert len(calls) == 3 and retried == [1, 2]
    [ti] = store.task_instances(r.run_id)
    assert (ti.state, ti.try_number, ti.max_tries) == ("success", 3, 4)
    assert [t for _, t, _ in store.logs(r.run_id, "f")] == [1, 2, 3]


def test_retries_exhausted_fail(store: PipelineStore) -> None:
    failures: list[str] = []

    def always() -> None:
        raise ValueError("nope")

    with Pipeline("p") as p:
        PythonTask("f", python_callable=always, retries=1, retry_delay=0,
                   on_failure_callback=lambda ctx: failures.append(ctx.task_id))
    r = p.run(store=store)
    assert r.task_states["f"] == "failed" and failures == ["f"]
    assert store.task_instances(r.run_id)[0].try_number == 2


def test_transient_errors_retry_by_default(store: PipelineStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("weir.orchestration.executor.TRANSIENT_DELAY", 0.01)
    calls = []

    def network() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("connection reset")
        if len(calls) == 2:
            raise TransientError("server busy")
        return "fetched"

    def terminal() -> None:
        raise ValueError("bad input")

    with Pipeline("p") as p:
        PythonTask("net", python_callable=network)
        PythonTask("bad", python_callable=terminal)
    r = p.run(store=store)
    assert r.task_states == {"net": "success", "bad": "failed"}
    tries = {t.task_id: t.try_number for t in store.task_instances(r.run_id)}
    assert tries == {"net": 3, "bad": 1}


def test_thread_task_timeout_discards_result(store: PipelineStore) -> None:
    release = threading.Event()

    def slow() -> str:
        release.wait(5)
        return "late"

    with Pipeline("p") as p:
        PythonTask("slow", python_callable=slow, execution_timeout=0.2) >> PythonTask("next", python_callable=noop)
    r = p.run(store=store)
    release.set()
    assert r.task_states == {"slow": "failed", "next": "upstream_failed"}
    assert "execution_timeout" in r.errors["slow"] and "slow" not in r.results


def test_process_task_runs_in_another_process_and_is_killed_on_timeout(store: PipelineStore, tmp_path: Path) -> None:
    import os

    marker = tmp_path / "finished"

    def where() -> int:
        return os.getpid()

    def hang() -> None:
        time.sleep(30)
        marker.write_text("should never happen")

    with Pipeline("p") as p:
        PythonTask("where", python_callable=where, executor="process")
        PythonTask("hang", python_callable=hang, executor="process", execution_timeout=0.5)
    r = p.run(store=store)
    assert r.task_states == {"where": "success", "hang": "failed"}
    assert r.results["where"] != os.getpid()
    assert "killed after 0.5s" in r.errors["hang"]
    time.sleep(0.2)
    assert not marker.exists()


def test_max_active_tasks_and_pools_limit_concurrency(store: PipelineStore) -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0, "pool_now": 0, "pool_peak": 0}

    def work(pooled: bool) -> None:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            if pooled:
                state["pool_now"] += 1
                state["pool_peak"] = max(state["pool_peak"], state["pool_now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
            if pooled:
                state["pool_now"] -= 1

    with Pipeline("p", max_active_tasks=3) as p:
        for i in range(6):
            PythonTask(f"db{i}", python_callable=work, op_args=[True], pool="db")
        for i in range(4):
            PythonTask(f"cpu{i}", python_callable=work, op_args=[False])
    r = p.run(store=store, pools={"db": 1})
    assert r.state == "success"
    assert state["peak"] <= 3 and state["pool_peak"] == 1


def test_unknown_pool_fails_the_task(store: PipelineStore) -> None:
    with Pipeline("p") as p:
        PythonTask("a", python_callable=noop, pool="nope")
    r = p.run(store=store)
    assert r.task_states["a"] == "failed" and "unknown pool 'nope'" in r.errors["a"]


class CountdownSensor(Sensor):
    def __init__(self, task_id: str, n: int, **kw: Any) -> None:
        super().__init__(task_id, **kw)
        self.n = n
        self.pokes = 0

    def poke(self, context: Any) -> bool:
        self.pokes += 1
        return self.pokes >= self.n


def test_waiting_sensor_releases_its_slot(store: PipelineStore) -> None:
    order: list[str] = []
    with Pipeline("p", max_active_tasks=1) as p:
        sensor = CountdownSensor("wait", 3, poke_interval=0.05)
        sensor >> PythonTask("after", python_callable=lambda: order.append("after"))
        PythonTask("other", python_callable=lambda: order.append("other"))
    r = p.run(store=store)
    assert r.state == "success" and sensor.pokes == 3
    # with one slot, "other" could only run because the sensor gave it up between pokes
    assert order == ["other", "after"]
    ti = next(t for t in store.task_instances(r.run_id) if t.task_id == "wait")
    assert ti.try_number == 1


def test_sensor_timeout_fails_or_soft_fails(store: PipelineStore) -> None:
    with Pipeline("p") as p:
        CountdownSensor("hard", 1000, poke_interval=0.02, timeout=0.1)
        CountdownSensor("soft", 1000, poke_interval=0.02, timeout=0.1, soft_fail=True)
    r = p.run(store=store)
    assert r.task_states == {"hard": "failed", "soft": "skipped"}
    assert "timed out" in r.errors["hard"]


def test_dynamic_mapping_over_runtime_list(store: PipelineStore) -> None:
    @task
    def sources() -> list[str]:
        return ["mysql", "postgres", "api"]

    @task
    def extract(source: str, prefix: str) -> str:
        return f"{prefix}{source}"

    @task
    def combine(parts: list[str]) -> str:
        return ",".join(parts)

    @task
    def nothing() -> list[int]:
        return []

    with Pipeline("p") as p:
        combine(extract.partial(prefix="x:").expand(source=sources()))
        extract.override(task_id="empty").partial(prefix="").expand(source=nothing())
    r = p.run(store=store)
    assert r.results["combine"] == "x:mysql,x:postgres,x:api"
    assert r.task_states["empty"] == "skipped"
    maps = sorted((t.map_index, t.state) for t in store.task_instances(r.run_id) if t.task_id == "extract")
    assert maps == [(0, "success"), (1, "success"), (2, "success")]


def test_task_groups_of_taskflow_functions_pass_values(store: PipelineStore) -> None:
    @task
    def extract(source: str) -> str:
        return f"Extracted from {source}"

    @task
    def transform(data: str) -> str:
        return f"Transformed: {data}"

    with Pipeline("p") as p:
        for source in ["mysql", "api"]:
            with TaskGroup(f"{source}_pipeline"):
                transform(extract(source))
    r = p.run(store=store)
    assert r.results["api_pipeline.transform"] == "Transformed: Extracted from api"


def test_cache_key_skips_unchanged_inputs(store: PipelineStore) -> None:
    calls: list[int] = []

    @task(cache_key_fn=task_input_hash, cache_expiration=dt.timedelta(hours=1))
    def expensive(n: int) -> int:
        calls.append(n)
        return n * n

    def build(n: int) -> Pipeline:
        with Pipeline("p") as p:
            expensive(n)
        return p

    assert build(3).run("2024-01-01", store=store).results["expensive"] == 9
    assert build(3).run("2024-01-02", store=store).results["expensive"] == 9
    assert build(4).run("2024-01-03", store=store).results["expensive"] == 16
    assert calls == [3, 4]


def test_rerun_of_a_run_resumes_only_unfinished_tasks(store: PipelineStore) -> None:
    calls: list[str] = []
    fail = {"on": True}

    def step(name: str) -> str:
        calls.append(name)
        if name == "b" and fail["on"]:
            raise ValueError("b broke")
        return name

    with Pipeline("p") as p:
        PythonTask("a", python_callable=step, op_args=["a"]) >> PythonTask("b", python_callable=step, op_args=["b"])
    first = p.run("2024-01-01", store=store)
    assert first.state == "failed"
    store.clear_tasks(first.run_id, ["failed", "upstream_failed"])
    fail["on"] = False
    second = p.run("2024-01-01", store=store)
    assert second.run_id == first.run_id and second.state == "success"
    assert calls == ["a", "b", "b"] and second.results == {"a": "a", "b": "b"}


def test_shell_task_output_and_failure(store: PipelineStore) -> None:
    with Pipeline("p") as p:
        ShellTask("ok", bash_command="echo first; echo {{ ds_nodash }}")
        ShellTask("bad", bash_command="echo doing; echo 'disk full' >&2; exit 3")
        ShellTask("skip", bash_command="exit 99")
    r = p.run("2024-02-03", store=store)
    assert r.results["ok"] == "20240203"
    assert r.task_states == {"ok": "success", "bad": "failed", "skip": "skipped"}
    assert "exited with 3: disk full" in r.errors["bad"]


def test_sql_and_build_tasks_need_a_project(store: PipelineStore) -> None:
    from weir.orchestration import BuildTask, SQLTask

    with Pipeline("p") as p:
        SQLTask("q", sql="select 1")
        BuildTask("b", select="tag:daily")
    r = p.run(store=store)
    assert r.task_states == {"q": "failed", "b": "failed"}
    assert "needs a weir project" in r.errors["q"]


def test_a_run_already_running_elsewhere_is_refused(store: PipelineStore) -> None:
    with Pipeline("p") as p:
        PythonTask("a", python_callable=noop)
    store.create_run("r1", "p", "2024-01-01T00:00:00.000000+00:00", "2024-01-01T00:00:00.000000+00:00",
                     "2024-01-01T00:00:00.000000+00:00", run_type="manual", owner="host:1:x", state="running")
    with pytest.raises(WeirError, match="already running"):
        p.run("2024-01-01", store=store)


def test_store_none_runs_in_memory() -> None:
    with Pipeline("p") as p:
        [PythonTask(f"t{i}", python_callable=lambda i=i: i) for i in range(50)]
    r = p.run()
    assert r.state == "success" and r.results["t49"] == 49
