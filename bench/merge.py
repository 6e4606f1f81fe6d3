"""Benchmark: weir's incremental merge vs the same merge done directly with ``deltalake`` (a script, not a test).

Usage::

    .venv/bin/python bench/merge.py [--base-rows 10000000] [--update-rows 1000000] [--keep]

Set-up (not timed):

* ``base.parquet``: 10M rows ``id, customer_id, amount, status, updated_at, note``;
  ``updates.parquet``: 1M rows, half updates of existing ids (every 20th id), half new ids.
  Both are generated deterministically with DuckDB.
* weir: a project with one model ``events`` (``materialized='incremental', unique_key='id',
  incremental_strategy='merge'``) selecting everything from a source whose
  ``external_location`` is ``current.parquet``. A first ``weir run`` with ``current.parquet``
  = base creates the 10M-row Delta table; then ``current.parquet`` is swapped for the updates.
* raw: the same 10M rows written to a fresh Delta table with ``write_deltalake``.

Timed, each in its own subprocess (wall with ``time.perf_counter``, peak RSS from
``os.wait4``, see _common.py):

* weir: ``.venv/bin/weir run --project-dir P``;
* raw: ``python -c`` that reads ``updates.parquet`` with pyarrow and runs
  ``DeltaTable(path).merge(source, predicate='t.id = s.id', source_alias='s', target_alias='t')
  .when_matched_update_all().when_not_matched_insert_all().execute()``.

Both tables are then read with DuckDB over ``DeltaTable.file_uris()`` (never
``to_pyarrow_table()``, which makes the process abort at exit) and must have the same row count
and checksum. Ends with one line::

    RESULT bench=merge weir_s=.. raw_s=.. ratio=.. weir_peak_mb=.. raw_peak_mb=.. tables_equal=..
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    WEIR_BIN,
    WEIR_PY,
    WORK,
    check_weir_did_something,
    checksum,
    diff_sample,
    fmt_s,
    log,
    reexec_in_weir_venv,
    run_measured,
)

reexec_in_weir_venv()

import duckdb  # noqa: E402

RAW_MERGE = """\
import sys
import pyarrow.parquet as pq
from deltalake import DeltaTable
source = pq.read_table(sys.argv[2])
metrics = (
    DeltaTable(sys.argv[1])
    .merge(source, predicate="t.id = s.id", source_alias="s", target_alias="t")
    .when_matched_update_all()
    .when_not_matched_insert_all()
    .execute()
)
print(metrics)
"""

STATUSES = ["new", "paid", "shipped", "delivered", "returned", "cancelled"]


def _status(h: str) -> str:
    whens = " ".join(f"when {i} then '{v}'" for i, v in enumerate(STATUSES))
    return f"(case ({h}) % {len(STATUSES)} {whens} end)"


def generate(out: Path, base_rows: int, update_rows: int) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = true")
    base, updates = out / "base.parquet", out / "updates.parquet"

    def cols(id_expr: str, salt: int, ts0: str) -> str:
        h = f"hash({id_expr} * 7919 + {salt})"
        return f"""
            {id_expr} as id,
            cast({h} % 200000 + 1 as bigint) as customer_id,
            cast(({h} // 7 % 1000000) / 100.0 as decimal(12,2)) as amount,
            {_status(h + ' // 13')} as status,
            timestamp '{ts0}' + to_seconds(cast({h} // 17 % 31536000 as bigint)) as updated_at,
            'note ' || ({h} // 19 % 100000) as note"""

    con.execute(f"copy (select {cols('i + 1', 1, '2023-01-01')} from range({base_rows}) t(i)) "
                f"to '{base}' (format parquet)")
    half = update_rows // 2
    stride = max(base_rows // half, 1)
    # half updates of existing ids (every `stride`-th id, distinct), half new ids after the base range
    con.execute(f"""copy (
        select {cols('i * ' + str(stride) + ' + 1', 2, '2024-01-01')} from range({half}) t(i)
        union all
        select {cols(str(base_rows) + ' + i + 1', 3, '2024-01-01')} from range({update_rows - half}) t(i)
    ) to '{updates}' (format parquet)""")
    con.close()
    return base, updates


def write_project(dest: Path, current: Path) -> None:
    (dest / "models").mkdir(parents=True, exist_ok=True)
    (dest / "dbt_project.yml").write_text(
        "name: merge_bench\nversion: '1.0.0'\nconfig-version: 2\nprofile: merge_bench\nmodel-paths: ['models']\n")
    (dest / "models" / "sources.yml").write_text(
        "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: events\n"
        f"        config:\n          external_location: '{current}'\n")
    (dest / "models" / "events.sql").write_text(
        "{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}\n"
        "select * from {{ source('raw', 'events') }}\n")


def delta_scan(path: Path) -> str:
    from deltalake import DeltaTable

    files = DeltaTable(str(path)).file_uris()
    return "read_parquet([" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "])"


def weir_table_path(project: Path) -> Path:
    from weir import Workspace

    ws = Workspace.load(project)
    try:
        return Path(ws.formats["delta"].location(ws.relation_of("events")))
    finally:
        ws.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-rows", type=int, default=10_000_000)
    ap.add_argument("--update-rows", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder afterwards")
    ap.add_argument("--work", type=Path, default=WORK / "merge", help="scratch folder (default bench/.work/merge)")
    args = ap.parse_args()

    work = args.work.resolve()
    for sub in ("data", "weir", "raw", "logs"):  # only what this script creates
        shutil.rmtree(work / sub, ignore_errors=True)
    logs = work / "logs"
    logs.mkdir(parents=True)

    log(f"== generating {args.base_rows:,} base rows and {args.update_rows:,} update rows")
    base, updates = generate(work / "data", args.base_rows, args.update_rows)
    current = work / "data" / "current.parquet"

    # weir: initial build from the base file (not timed)
    project = work / "weir"
    write_project(project, current)
    shutil.copyfile(base, current)
    first = run_measured([str(WEIR_BIN), "run", "--project-dir", str(project)], cwd=project,
                         log_path=logs / "weir_initial.log")
    check_weir_did_something(first, project)
    log(f"  weir initial run ({args.base_rows:,} rows, not timed): {fmt_s(first.wall_s)} s, "
        f"peak {first.peak_mb:.0f} MiB")

    # raw: the same base rows written with write_deltalake (not timed)
    import pyarrow.parquet as pq
    from deltalake import write_deltalake

    raw_path = work / "raw" / "events"
    write_deltalake(str(raw_path), pq.read_table(base))
    log("  raw Delta table written with write_deltalake (not timed)")

    # timed: weir's incremental merge of the update file
    current.unlink()
    shutil.copyfile(updates, current)
    w = run_measured([str(WEIR_BIN), "run", "--project-dir", str(project)], cwd=project,
                     log_path=logs / "weir_merge.log")
    log(f"  weir run (incremental merge):  {fmt_s(w.wall_s):>7} s   peak {w.peak_mb:7.0f} MiB")

    # timed: the same merge with deltalake directly
    script = logs / "raw_merge.py"
    script.write_text(RAW_MERGE)
    r = run_measured([str(WEIR_PY), str(script), str(raw_path), str(updates)], cwd=work,
                     log_path=logs / "raw_merge.log")
    log(f"  deltalake merge:               {fmt_s(r.wall_s):>7} s   peak {r.peak_mb:7.0f} MiB")

    # verify
    con = duckdb.connect()
    weir_sql, raw_sql = delta_scan(weir_table_path(project)), delta_scan(raw_path)
    cw, cr = checksum(con, weir_sql), checksum(con, raw_sql)
    expected = args.base_rows + (args.update_rows - args.update_rows // 2)
    equal = cw.same_data(cr)
    log(f"  rows: weir {cw.rows:,}  raw {cr.rows:,}  expected {expected:,}; checksums "
        f"{'equal' if cw.digest == cr.digest else 'DIFFER'}")
    if [t for _, t in cw.columns] != [t for _, t in cr.columns]:
        log(f"  column types: weir {cw.columns}\n                raw  {cr.columns}")
    if not equal:
        log(diff_sample(con, raw_sql, weir_sql))
    con.close()

    if not args.keep:
        for sub in ("data", "weir", "raw"):
            shutil.rmtree(work / sub, ignore_errors=True)
    print(f"RESULT bench=merge weir_s={fmt_s(w.wall_s)} raw_s={fmt_s(r.wall_s)} ratio={w.wall_s / r.wall_s:.2f} "
          f"weir_peak_mb={w.peak_mb:.0f} raw_peak_mb={r.peak_mb:.0f} "
          f"tables_equal={'true' if equal and cw.rows == expected else 'false'}", flush=True)


if __name__ == "__main__":
    main()
