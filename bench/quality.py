"""Benchmark: a five-check suite on 10M rows, weir vs Great Expectations vs one hand-written
DuckDB aggregate (a script, not a test).

Usage::

    .venv/bin/python bench/quality.py [--rows 10000000] [--repeat 3] [--big] [--skip-gx]

Set-up (not timed): ``bench/.work/quality/orders_<rows>.parquet`` with ``order_id`` (unique),
``customer_id`` (null on every 200th row), ``amount`` (0..99999.99), ``status`` (four values,
plus ``unknown`` on every 10,007th row), generated deterministically by DuckDB; a suite file
with not_null(order_id), unique(order_id), between(amount 0..100000), in_set(status),
not_null(customer_id). Two checks fail, so weir also fetches their 20-row samples.

Timed, each in its own subprocess (wall from spawn to exit, so interpreter start-up and imports
count; peak RSS from ``os.wait4``, see _common.py), ``--repeat`` times, median reported:

* weir: ``run_suite(DuckDBEngine(None), "read_parquet('…')", suite.yml)``;
* gx: Great Expectations 1.x in ``bench/.venvs/gx`` (created if missing): ``pd.read_parquet``,
  an ephemeral context, a pandas datasource with a whole-dataframe batch definition, an
  ExpectationSuite of the same five expectations, ``batch.validate(suite)``. Its wall time
  includes reading the Parquet file into pandas, which GE on pandas needs;
* scan: one hand-written aggregate with ``duckdb`` alone computing the five unexpected counts
  (uniqueness as ``count(order_id) - count(distinct order_id)``, which equals GE's count when
  there are no duplicates, as here).

The unexpected counts of the three must agree. Each script also reports its import time and
the time of its work after imports; ``work_ratio_vs_scan`` compares weir's work (engine, suite
loading, compile, scan, sample queries) with the hand-written query alone, without the fixed
start-up cost (weir imports sqlglot, pydantic and pyarrow; the scan script only duckdb). Ends with::

    RESULT bench=quality ratio_vs_scan=<weir/scan> ratio_vs_gx=<weir/gx> weir_s=.. gx_s=.. scan_s=..
        work_ratio_vs_scan=.. rows=..

``--big`` then checks 100M rows with weir (and the hand-written scan once, for the ratio) and
reports their peak RSS. weir never holds the data: DuckDB streams the Parquet row groups;
what grows with the data is the hash table of ``count(distinct order_id)`` (100M distinct
keys), which the hand-written query needs as well; the same suite without the uniqueness
check runs in near-constant memory (``nounique_peak_mb``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import VENVS, WEIR_PY, WORK, Measured, fmt_s, log, reexec_in_weir_venv, run_measured

reexec_in_weir_venv()

import duckdb  # noqa: E402

STATUSES = ["placed", "shipped", "delivered", "returned"]
SUITE = f"""name: orders_suite
expectations:
  - expect_column_values_to_not_be_null: {{column: order_id}}
  - expect_column_values_to_be_unique: {{column: order_id}}
  - expect_column_values_to_be_between: {{column: amount, min_value: 0, max_value: 100000}}
  - expect_column_values_to_be_in_set: {{column: status, value_set: {json.dumps(STATUSES)}}}
  - expect_column_values_to_not_be_null: {{column: customer_id}}
"""

WEIR = """\
import json, os, sys, time
t0 = time.perf_counter()
from weir.checks import run_suite
from weir.engines.duckdb import DuckDBEngine
t1 = time.perf_counter()
engine = DuckDBEngine(None, threads=os.cpu_count() or 2)
result = run_suite(engine, "read_parquet(" + repr(sys.argv[1]) + ")", sys.argv[2])
print(json.dumps({"unexpected": [r.unexpected_count for r in result.results], "queries": result.queries,
                  "success": result.success, "import_s": t1 - t0, "work_s": time.perf_counter() - t1}))
"""

SCAN = """\
import json, sys, time
t0 = time.perf_counter()
import duckdb
t1 = time.perf_counter()
con = duckdb.connect()
row = con.execute('''
    select count(*) - count(order_id),
           count(order_id) - count(distinct order_id),
           count_if(amount < 0 or amount > 100000),
           count_if(status not in ('placed', 'shipped', 'delivered', 'returned')),
           count(*) - count(customer_id)
    from read_parquet(?)''', [sys.argv[1]]).fetchone()
print(json.dumps({"unexpected": list(row), "import_s": t1 - t0, "work_s": time.perf_counter() - t1}))
"""

GX = """\
import json, sys, time
t0 = time.perf_counter()
import pandas as pd
import great_expectations as gx
import great_expectations.expectations as gxe
t1 = time.perf_counter()
df = pd.read_parquet(sys.argv[1])
context = gx.get_context(mode="ephemeral")
batch = (context.data_sources.add_pandas("pandas").add_dataframe_asset(name="orders")
         .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": df}))
suite = gx.ExpectationSuite(name="orders_suite")
for e in (gxe.ExpectColumnValuesToNotBeNull(column="order_id"),
          gxe.ExpectColumnValuesToBeUnique(column="order_id"),
          gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0, max_value=100000),
          gxe.ExpectColumnValuesToBeInSet(column="status", value_set=VALUE_SET),
          gxe.ExpectColumnValuesToNotBeNull(column="customer_id")):
    suite.add_expectation(e)
res = batch.validate(suite)
print(json.dumps({"unexpected": [r.result.get("unexpected_count") for r in res.results],
                  "import_s": t1 - t0, "work_s": time.perf_counter() - t1}))
""".replace("VALUE_SET", json.dumps(STATUSES))


def make_data(path: Path, rows: int) -> None:
    if path.exists():
        return
    log(f"generating {path.name} ({rows:,} rows) ...")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    con = duckdb.connect()
    con.execute(f"""copy (
        select i as order_id,
               case when i % 200 = 0 then null else (i * 7919) % 500000 end as customer_id,
               ((i * 2654435761) % 10000000) / 100.0 as amount,
               case when i % 10007 = 0 then 'unknown' else {STATUSES!r}[(i % 4) + 1] end as status
        from range({int(rows)}) t(i)
    ) to '{tmp}' (format parquet, row_group_size 1000000)""")
    tmp.rename(path)


def gx_python() -> Path:
    venv = VENVS / "gx"
    py = venv / "bin" / "python"
    if not py.exists():
        log(f"creating {venv} (great_expectations 1.x, pandas, pyarrow) ...")
        subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "great_expectations>=1,<2", "pandas",
                        "pyarrow"], check=True)
    return py


def report(res: Measured) -> dict[str, Any]:
    """The JSON line the measured script printed last."""
    for line in reversed(res.log_path.read_text(errors="replace").splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise SystemExit(f"no result in {res.log_path}:\n{res.tail()}")


def answers(res: Measured) -> list[int]:
    return [int(x) for x in report(res)["unexpected"]]


def measure(name: str, argv: list[str], work: Path, run: int, env: dict[str, str] | None = None) -> Measured:
    res = run_measured(argv, cwd=work, log_path=work / "logs" / f"{name}_{run}.log", env=env)
    inner = report(res)
    log(f"  {name:<5} run {run}: {fmt_s(res.wall_s)} s wall (imports {fmt_s(inner['import_s'])} s, "
        f"work {fmt_s(inner['work_s'])} s), peak {res.peak_mb:.0f} MiB, unexpected={answers(res)}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big", action="store_true", help="also check 100M rows with weir (peak RSS)")
    ap.add_argument("--skip-gx", action="store_true")
    args = ap.parse_args()
    work = WORK / "quality"
    data = work / f"orders_{args.rows}.parquet"
    make_data(data, args.rows)
    suite = work / "suite.yml"
    suite.write_text(SUITE)
    gx_py = None if args.skip_gx else gx_python()
    quiet = {"GX_ANALYTICS_ENABLED": "false", "TQDM_DISABLE": "1"}
    runs: dict[str, list[Measured]] = {"weir": [], "gx": [], "scan": []}
    for i in range(1, args.repeat + 1):  # interleaved, so a noisy minute hurts all three alike
        runs["weir"].append(measure("weir", [str(WEIR_PY), "-c", WEIR, str(data), str(suite)], work, i))
        runs["scan"].append(measure("scan", [str(WEIR_PY), "-c", SCAN, str(data)], work, i))
        if gx_py is not None:
            runs["gx"].append(measure("gx", [str(gx_py), "-c", GX, str(data)], work, i, env=quiet))
    expected = answers(runs["scan"][0])
    for name, measured in runs.items():
        for res in measured:
            if answers(res) != expected:
                raise SystemExit(f"{name} disagrees: {answers(res)} != scan's {expected}")
    med = {k: statistics.median(r.wall_s for r in v) if v else float("nan") for k, v in runs.items()}
    work_med = {k: statistics.median(report(r)["work_s"] for r in v) if v else float("nan")
                for k, v in runs.items()}
    log(f"answers agree: unexpected counts {expected}")
    log(f"median wall: weir {fmt_s(med['weir'])} s, scan {fmt_s(med['scan'])} s, gx {fmt_s(med['gx'])} s; "
        f"peak weir {max(r.peak_mb for r in runs['weir']):.0f} MiB")
    log(f"median work after imports: weir {fmt_s(work_med['weir'])} s, scan {fmt_s(work_med['scan'])} s, "
        f"gx {fmt_s(work_med['gx'])} s (gx: read into pandas + validate)")
    print(f"RESULT bench=quality ratio_vs_scan={med['weir'] / med['scan']:.3f} "
          f"ratio_vs_gx={med['weir'] / med['gx']:.3f} weir_s={med['weir']:.2f} gx_s={med['gx']:.2f} "
          f"scan_s={med['scan']:.2f} work_ratio_vs_scan={work_med['weir'] / work_med['scan']:.3f} "
          f"rows={args.rows}", flush=True)
    if args.big:
        big = work / "orders_100000000.parquet"
        make_data(big, 100_000_000)
        res = measure("big", [str(WEIR_PY), "-c", WEIR, str(big), str(suite)], work, 1)
        scan = measure("bigscan", [str(WEIR_PY), "-c", SCAN, str(big)], work, 1)
        if answers(res) != answers(scan):
            raise SystemExit(f"weir disagrees on 100M rows: {answers(res)} != scan's {answers(scan)}")
        lean = work / "suite_without_unique.yml"
        lean.write_text("\n".join(ln for ln in SUITE.splitlines() if "to_be_unique" not in ln) + "\n")
        streaming = measure("big-nounique", [str(WEIR_PY), "-c", WEIR, str(big), str(lean)], work, 1)
        size_mb = big.stat().st_size / 2**20
        print(f"RESULT bench=quality_big rows=100000000 weir_s={res.wall_s:.2f} peak_mb={res.peak_mb:.0f} "
              f"scan_s={scan.wall_s:.2f} scan_peak_mb={scan.peak_mb:.0f} ratio_vs_scan={res.wall_s / scan.wall_s:.3f} "
              f"nounique_s={streaming.wall_s:.2f} nounique_peak_mb={streaming.peak_mb:.0f} "
              f"parquet_mb={size_mb:.0f} cpus={os.cpu_count()}", flush=True)


if __name__ == "__main__":
    main()
