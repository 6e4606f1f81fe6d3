"""Benchmark: 5M rows from PostgreSQL into a Delta table, weir vs dlt (a script, not a test).

Usage::

    .venv/bin/python bench/ingest.py [--rows 5000000] [--dlt-backend connectorx|pyarrow]

PostgreSQL is started by ``scripts/services.py``; the table (int, bigint, numeric(12,2),
text, timestamp, timestamptz, date, bool and two nullable columns) is generated
server-side with ``generate_series`` into the database ``weir_bench_ingest`` (5M rows;
``weir_bench_ingest_<rows>`` for other sizes) once and reused while its row count matches.

weir: ``weir ingest`` of a project whose source has ``ingest: {type: postgres, mode:
full}`` (one overwrite commit; binary COPY decoded into Arrow by the ADBC driver in a
reader thread while delta-rs writes). dlt: ``sql_table`` with the
backend its docs name fastest for whole tables (``connectorx``; ``pyarrow`` on request)
into the ``filesystem`` destination with ``table_format="delta"``, installed in
``bench/.venvs/dlt``. Each run is one subprocess; wall time and peak RSS come from
``os.wait4`` (see _common.py). Both tables are counted from their Delta logs.

Ends with one line::

    RESULT bench=ingest rows_per_s=.. ratio_vs_dlt=<weir s / dlt s> mem_ratio_vs_dlt=<weir / dlt peak RSS> weir_s=.. dlt_s=..
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, VENVS, WEIR_BIN, WORK, fmt_s, log, reexec_in_weir_venv, run_measured

DB = "weir_bench_ingest"
TABLE = "bench_rows"


def database(rows: int) -> str:
    """The benchmark's database: one per row count, so a smaller run keeps the 5M table."""
    return DB if rows == 5_000_000 else f"{DB}_{rows}"


def postgres() -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("services", REPO / "scripts" / "services.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.start("postgres"))


def ensure_table(pg: dict[str, Any], rows: int) -> str:
    import psycopg

    db = database(rows)
    with psycopg.connect(pg["dsn"], autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", (db,)).fetchone():
            conn.execute(f'create database "{db}"')
    dsn = f"postgresql://{pg['user']}@{pg['host']}:{pg['port']}/{db}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        have = conn.execute("select count(*) from pg_class where relname = %s", (TABLE,)).fetchone()
        if have and have[0] and conn.execute(f"select count(*) from {TABLE}").fetchone()[0] == rows:  # type: ignore[index]
            return dsn
        log(f"generating {rows:,} rows in {db}.{TABLE} ...")
        conn.execute(f"drop table if exists {TABLE}")
        conn.execute(f"""
            create table {TABLE} as
            select i as id, i::bigint * 7919 as big, round((i % 100000) / 7.0, 2)::numeric(12,2) as amount,
                   'customer ' || (i % 5000) as label,
                   timestamp '2024-01-01' + i * interval '1 second' as created_at,
                   timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute' as updated_at,
                   date '2020-01-01' + (i % 2000) as day, (i % 3 = 0) as flag,
                   case when i % 10 = 0 then null else i % 977 end as maybe_int,
                   case when i % 7 = 0 then null else md5(i::text) end as maybe_text
            from generate_series(1, {rows}) i""")
        conn.execute(f"analyze {TABLE}")
    return dsn


def dlt_venv() -> Path:
    dest = VENVS / "dlt"
    if not (dest / "bin" / "python").exists() or not (dest / ".installed-2").exists():
        log(f"creating {dest} (dlt + deltalake + connectorx) ...")
        subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(dest)], check=True)
        subprocess.run([str(dest / "bin" / "pip"), "install", "-q", "dlt[deltalake,pyarrow,sql_database]",
                        "sqlalchemy", "psycopg2-binary", "psycopg[binary]", "connectorx"], check=True)
        (dest / ".installed-2").touch()
    return dest


DLT_SCRIPT = """
import sys
import dlt
from dlt.sources.sql_database import sql_table

dsn, out, backend, table = sys.argv[1:5]
kw = {"chunk_size": 100_000} if backend == "pyarrow" else {}
source = sql_table(credentials=dsn, table=table, schema="public", backend=backend, **kw)
pipe = dlt.pipeline(pipeline_name="bench_ingest", pipelines_dir=out + "/pipelines",
                    destination=dlt.destinations.filesystem(bucket_url=out + "/lake"), dataset_name="raw")
info = pipe.run(source, write_disposition="replace", table_format="delta", loader_file_format="parquet")
print(info)
"""


def weir_project(root: Path, pg: dict[str, Any], db: str) -> None:
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text("name: bench\nversion: '1.0.0'\nprofile: bench\n")
    (root / "models" / "sources.yml").write_text(textwrap.dedent(f"""\
        version: 2
        sources:
          - name: pg
            schema: raw
            ingest:
              type: postgres
              connection: {{host: "{pg['host']}", port: {pg['port']}, user: "{pg['user']}", dbname: "{db}"}}
              batch_size: 100000
            tables:
              - name: {TABLE}
                ingest: {{table: public.{TABLE}, mode: full}}
        """))


def delta_rows(path: Path) -> int:
    import duckdb
    from deltalake import DeltaTable

    files = DeltaTable(str(path)).file_uris()
    if not files:
        return 0
    listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return int(duckdb.connect().execute(f"select count(*) from read_parquet([{listing}])").fetchone()[0])  # type: ignore[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--dlt-backend", default="connectorx", choices=["connectorx", "pyarrow"])
    args = parser.parse_args()
    reexec_in_weir_venv()
    pg = postgres()
    dsn = ensure_table(pg, args.rows)
    work = WORK / "ingest"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    weir_root = work / "weir"
    weir_project(weir_root, pg, database(args.rows))
    log("weir ingest ...")
    weir = run_measured([str(WEIR_BIN), "ingest", "--project-dir", str(weir_root)], cwd=weir_root,
                        log_path=work / "weir.log")
    weir_n = delta_rows(weir_root / "lakehouse" / "raw" / TABLE)
    log(f"  weir: {fmt_s(weir.wall_s)} s, peak {weir.peak_mb:.0f} MB, {weir_n:,} rows")

    venv = dlt_venv()
    script = work / "dlt_load.py"
    script.write_text(DLT_SCRIPT)
    dlt_out = work / "dlt"
    log(f"dlt ({args.dlt_backend}) ...")
    dlt = run_measured([str(venv / "bin" / "python"), str(script), dsn, str(dlt_out), args.dlt_backend, TABLE],
                       cwd=work, log_path=work / "dlt.log", env={"RUNTIME__LOG_LEVEL": "WARNING"})
    dlt_n = delta_rows(dlt_out / "lake" / "raw" / TABLE)
    log(f"  dlt:  {fmt_s(dlt.wall_s)} s, peak {dlt.peak_mb:.0f} MB, {dlt_n:,} rows")
    if weir_n != args.rows or dlt_n != args.rows:
        raise SystemExit(f"row counts differ from the source's {args.rows}: weir {weir_n}, dlt {dlt_n}")
    print(f"RESULT bench=ingest rows_per_s={args.rows / weir.wall_s:.0f} ratio_vs_dlt={weir.wall_s / dlt.wall_s:.3f} "
          f"mem_ratio_vs_dlt={weir.peak_mb / dlt.peak_mb:.3f} weir_s={fmt_s(weir.wall_s)} dlt_s={fmt_s(dlt.wall_s)} "
          f"weir_mb={weir.peak_mb:.0f} dlt_mb={dlt.peak_mb:.0f} dlt_backend={args.dlt_backend}", flush=True)


if __name__ == "__main__":
    main()
