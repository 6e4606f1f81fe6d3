"""Benchmark: orchestration overhead of weir vs Dagster vs Prefect 3 on a 1,000-task DAG of no-ops
(a script, not a test).

Usage::

    .venv/bin/python bench/orchestration.py [--repeat 3] [--skip-dagster] [--skip-prefect] [--profile]

The DAG (the same for all three tools, written once to ``bench/.work/orchestration/dag.json``):
one root fans out to 10 chains of 98 tasks; at two depths (33 and 66) a join task between each
pair of neighbouring chains waits for both and the next task of the left chain waits for the join
(18 fan-in joins); one sink waits for the ends of all chains: 1 + 980 + 18 + 1 = 1,000 tasks,
edges as printed. Every task body only appends to a list (so each tool's count of executed bodies can
be checked: 1,000), i.e. the sum of the task bodies is ~0 and the run time is orchestration.

* weir: ``Pipeline`` of ``PythonTask`` s, ``Pipeline.run(store=<SQLite ledger file>)`` in-process,
  default thread executor (16 slots), as a user's ``dag.test()``.
* Dagster (``bench/.venvs/dagster``, created if missing): one op per task with ``In(Nothing)``
  dependencies, ``GraphDefinition.to_job(executor_def=in_process_executor).execute_in_process()``.
* Prefect 3 (``bench/.venvs/prefect``): one ``@task`` per node submitted inside a ``@flow`` with
  ``wait_for=`` its upstream futures (default thread-pool task runner), against the ephemeral API
  server, ``PREFECT_HOME`` under ``bench/.work/orchestration/prefect_home``.

Each tool runs in its own subprocess (see _common.py). Inside it, a 2-task warm-up run first
(imports, Prefect's ephemeral server start, the ledger's creation), then the 1,000-task run is
timed with ``time.perf_counter``: that run time is what is compared. The subprocess walls
(interpreter, imports, warm-up) are printed too. weir runs ``--repeat`` times (best is taken),
the peers once (their times are tens of times larger, so their noise does not change a ratio).

``weir's overhead per task = (weir run time - sum of task bodies ~ 0) / 1000``. ``--profile``
reruns weir under cProfile and prints the top functions by own time.

Ends with one line::

    RESULT bench=orchestration ms_per_task=.. ratio_vs_dagster=.. ratio_vs_prefect=.. weir_s=.. dagster_s=.. prefect_s=..
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import VENVS, WEIR_PY, WORK, Measured, fmt_s, log, run_measured

N_CHAINS, CHAIN_LEN, JOIN_DEPTHS = 10, 98, (33, 66)
PEERS = {"dagster": ["dagster==1.13.*"], "prefect": ["prefect>=3,<4"]}


def dag_spec() -> list[tuple[str, list[str]]]:
    """(task id, upstream ids) in a topological order: root, chains with joins, sink."""
    ups: dict[str, list[str]] = {"root": []}
    order = ["root"]

    def add(task_id: str, upstream: list[str]) -> None:
        ups[task_id] = upstream
        order.append(task_id)

    for depth in range(CHAIN_LEN):
        for c in range(N_CHAINS):
            prev = "root" if depth == 0 else f"c{c}_{depth - 1}"
            extra = [f"join{depth - 1}_{c}"] if depth - 1 in JOIN_DEPTHS and c < N_CHAINS - 1 else []
            add(f"c{c}_{depth}", [prev, *extra])
        if depth in JOIN_DEPTHS:
            for c in range(N_CHAINS - 1):
                add(f"join{depth}_{c}", [f"c{c}_{depth}", f"c{c + 1}_{depth}"])
    add("sink", [f"c{c}_{CHAIN_LEN - 1}" for c in range(N_CHAINS)])
    return [(t, ups[t]) for t in order]


# --------------------------------------------------------------------------- the measured scripts
# Each prints one JSON line last: {"run_s", "executed", "tasks", "ok"}.

WEIR = r"""
import json, sys, time
from pathlib import Path
spec = json.loads(Path(sys.argv[1]).read_text())
ledger = Path(sys.argv[2])
profile = len(sys.argv) > 3
from weir.orchestration import Pipeline, PythonTask
from weir.state.pipelines import PipelineStore

executed = []
def noop():
    executed.append(1)

def build(name, items):
    with Pipeline(name) as p:
        tasks = {}
        for task_id, ups in items:
            t = tasks[task_id] = PythonTask(task_id, python_callable=noop)
            for u in ups:
                tasks[u] >> t
    return p

ledger.unlink(missing_ok=True)
store = PipelineStore.open(ledger)
build("warmup", [["a", []], ["b", ["a"]]]).run(store=store)
executed.clear()
pipeline = build("bench", spec)
if profile:
    import cProfile, pstats
    prof = cProfile.Profile()
    prof.enable()
t0 = time.perf_counter()
result = pipeline.run(store=store)
run_s = time.perf_counter() - t0
if profile:
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(25)
store.close()
ok = result.state == "success" and all(s == "success" for s in result.task_states.values())
print(json.dumps({"run_s": run_s, "executed": len(executed), "tasks": len(result.task_states), "ok": ok}))
"""

DAGSTER = r"""
import json, sys, time
from pathlib import Path
spec = json.loads(Path(sys.argv[1]).read_text())
from dagster import (DependencyDefinition, GraphDefinition, In, MultiDependencyDefinition, Nothing, Out,
                     in_process_executor, op)

executed = []
def noop():
    executed.append(1)

def build(name, items):
    ops, deps = [], {}
    for task_id, ups in items:
        ins = {"start": In(Nothing)} if ups else {}
        ops.append(op(name=task_id, ins=ins, out=Out(Nothing))(noop))
        if ups:
            deps[task_id] = {"start": MultiDependencyDefinition([DependencyDefinition(u, "result") for u in ups])}
    return GraphDefinition(name=name, node_defs=ops, dependencies=deps).to_job(executor_def=in_process_executor)

build("warmup", [["a", []], ["b", ["a"]]]).execute_in_process()
executed.clear()
job = build("bench", spec)
t0 = time.perf_counter()
result = job.execute_in_process()
run_s = time.perf_counter() - t0
succeeded = len([e for e in result.all_events if e.event_type_value == "STEP_SUCCESS"])
print(json.dumps({"run_s": run_s, "executed": len(executed), "tasks": succeeded, "ok": result.success}))
"""

PREFECT = r"""
import json, sys, time
from pathlib import Path
spec = json.loads(Path(sys.argv[1]).read_text())
from prefect import flow, task

executed = []

@task
def noop():
    executed.append(1)

def make(items):
    @flow(name="bench")
    def run():
        futures = {}
        for task_id, ups in items:
            futures[task_id] = noop.with_options(name=task_id).submit(wait_for=[futures[u] for u in ups])
        for future in futures.values():
            future.wait()
        return sum(1 for f in futures.values() if f.state.is_completed())
    return run

make([["a", []], ["b", ["a"]]])()
executed.clear()
bench = make(spec)
t0 = time.perf_counter()
completed = bench()
run_s = time.perf_counter() - t0
print(json.dumps({"run_s": run_s, "executed": len(executed), "tasks": completed, "ok": completed == len(spec)}))
"""


# --------------------------------------------------------------------------- helpers


def peer_python(name: str) -> Path:
    """The peer's venv interpreter (bench/.venvs/<name>), created with its pinned package if missing."""
    venv = VENVS / name
    py = venv / "bin" / "python"
    if not py.exists():
        log(f"creating {venv} ({' '.join(PEERS[name])}) ...")
        subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *PEERS[name]], check=True)
    return py


def report(res: Measured) -> dict[str, Any]:
    """The JSON line the measured script printed last."""
    for line in reversed(res.log_path.read_text(errors="replace").splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise SystemExit(f"no result in {res.log_path}:\n{res.tail()}")


def measure(name: str, argv: list[str], work: Path, run: int, n_tasks: int,
            env: dict[str, str] | None = None) -> dict[str, Any]:
    res = run_measured(argv, cwd=work, log_path=work / "logs" / f"{name}_{run}.log", env=env)
    inner = report(res)
    if not inner["ok"] or inner["executed"] != n_tasks or inner["tasks"] != n_tasks:
        raise SystemExit(f"{name} did not run all {n_tasks} tasks: {inner} (see {res.log_path})")
    log(f"  {name:<7} run {run}: {inner['run_s']:.3f} s for {n_tasks} tasks "
        f"({inner['run_s'] / n_tasks * 1000:.3f} ms/task); process wall {fmt_s(res.wall_s)} s, "
        f"peak {res.peak_mb:.0f} MiB")
    return {**inner, "wall_s": res.wall_s, "log": res.log_path}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="weir runs (best is taken)")
    ap.add_argument("--skip-dagster", action="store_true")
    ap.add_argument("--skip-prefect", action="store_true")
    ap.add_argument("--profile", action="store_true", help="also run weir under cProfile and print hotspots")
    args = ap.parse_args()
    work = WORK / "orchestration"
    work.mkdir(parents=True, exist_ok=True)
    spec = dag_spec()
    n = len(spec)
    assert n == 1000, n
    dag = work / "dag.json"
    dag.write_text(json.dumps(spec))
    log(f"DAG: {n} no-op tasks, {sum(len(u) for _, u in spec)} edges, "
        f"{N_CHAINS} chains of {CHAIN_LEN}, {len(JOIN_DEPTHS) * (N_CHAINS - 1)} joins")

    weir_runs = [measure("weir", [str(WEIR_PY), "-c", WEIR, str(dag), str(work / "ledger.db")], work, i, n)
                 for i in range(1, args.repeat + 1)]
    weir_s = min(r["run_s"] for r in weir_runs)
    peers: dict[str, float] = {}
    if not args.skip_dagster:
        peers["dagster"] = measure("dagster", [str(peer_python("dagster")), "-c", DAGSTER, str(dag)], work, 1, n,
                                   env={"DAGSTER_HOME": str(work / "dagster_home")})["run_s"]
    if not args.skip_prefect:
        home = work / "prefect_home"
        home.mkdir(exist_ok=True)
        env = {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
               # the first start migrates a fresh SQLite database: slower than the 20 s default on 2 cores
               "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
        peers["prefect"] = measure("prefect", [str(peer_python("prefect")), "-c", PREFECT, str(dag)], work, 1, n,
                                   env=env)["run_s"]
    if args.profile:
        res = run_measured([str(WEIR_PY), "-c", WEIR, str(dag), str(work / "ledger.db"), "profile"], cwd=work,
                           log_path=work / "logs" / "weir_profile.log")
        log(f"weir under cProfile (main thread; worker threads are not profiled): {res.log_path}")
        print("\n".join(res.log_path.read_text().splitlines()[:70]))

    ms_per_task = weir_s / n * 1000
    dagster_s, prefect_s = peers.get("dagster", float("nan")), peers.get("prefect", float("nan"))
    log(f"weir best of {args.repeat}: {weir_s:.3f} s = {ms_per_task:.3f} ms/task (goal <= 1 ms/task, "
        f"<= 0.1 of Dagster)")
    print(f"RESULT bench=orchestration ms_per_task={ms_per_task:.3f} ratio_vs_dagster={weir_s / dagster_s:.4f} "
          f"ratio_vs_prefect={weir_s / prefect_s:.4f} weir_s={weir_s:.3f} dagster_s={dagster_s:.3f} "
          f"prefect_s={prefect_s:.3f} tasks={n}", flush=True)


if __name__ == "__main__":
    main()
