"""``weir.check(data, suite)``: run a suite on a DataFrame, an Arrow table or a file, with a
private in-memory DuckDB."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sqlglot import exp

from weir.checks.results import SuiteResult
from weir.checks.runner import run_suite
from weir.engines.duckdb import DuckDBEngine
from weir.errors import ConfigError

DATA_VIEW = "_weir_data"
_CSV = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")
_PARQUET = (".parquet", ".pq", ".parq")
_JSON = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz")


def check(data: Any, suite: Any, *, sample_limit: int = 20, now: dt.datetime | None = None,
          unique_strategy: str = "distinct") -> SuiteResult:
    """Check ``data`` against ``suite`` and return a :class:`SuiteResult`.

    ``data``: a pandas or polars DataFrame, a pyarrow Table (or RecordBatchReader, read
    once into memory), or a path (str/Path) to a CSV, Parquet or JSON file, a folder of
    Parquet files or a Delta table folder. ``suite``: a suite file path, a dict
    (``{name, expectations}``), a list of expectations, or a Suite.
    """
    engine = DuckDBEngine(None, threads=os.cpu_count() or 2)
    try:
        source, shown = data_source(engine, data)
        return run_suite(engine, source, suite, sample_limit, now=now, unique_strategy=unique_strategy,
                         name=shown)
    finally:
        engine.close()


def data_source(engine: DuckDBEngine, data: Any) -> tuple[exp.Expr | str, str]:
    """A FROM item reading ``data`` on ``engine``, and how to show it."""
    if isinstance(data, str | os.PathLike):
        return file_source(data)
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        data = data.to_arrow()
        module = "pyarrow"
    if module == "pyarrow" and type(data).__name__ == "RecordBatchReader":
        data = data.read_all()  # the suite reads the data more than once
    if module not in ("pandas", "pyarrow"):
        raise ConfigError(f"cannot check a {type(data).__name__}",
                          hint="pass a pandas or polars DataFrame, a pyarrow Table, or a file path")
    engine.con.register(DATA_VIEW, data)
    return exp.to_table(DATA_VIEW), f"{module} {type(data).__name__}"


def file_source(path: str | os.PathLike[str]) -> tuple[exp.Expr | str, str]:
    """A FROM item reading a CSV/Parquet/JSON file, a Parquet folder or a Delta table."""
    p = Path(path)
    shown = str(path)
    if p.is_dir():
        if (p / "_delta_log").is_dir():
            from deltalake import DeltaTable

            from weir.formats.delta import delta_scan_sql

            # the engine reads the live Parquet files of the current version itself
            return delta_scan_sql(DeltaTable(str(p))), shown
        if not any(p.rglob("*.parquet")):
            raise ConfigError(f"folder {shown} is neither a Delta table nor holds Parquet files")
        return _table_function("read_parquet", str(p / "**" / "*.parquet")), shown
    if not p.exists():
        raise ConfigError(f"no such file: {shown}")
    name = p.name.lower()
    if name.endswith(_PARQUET):
        return _table_function("read_parquet", str(p)), shown
    if name.endswith(_CSV):
        return _table_function("read_csv", str(p)), shown
    if name.endswith(_JSON):
        return _table_function("read_json", str(p)), shown
    raise ConfigError(f"cannot tell the format of {shown}",
                      hint="weir check reads .csv, .tsv, .parquet, .json(l) files and Delta table folders")


def _table_function(name: str, path: str) -> exp.Expr:
    return exp.Table(this=exp.Anonymous(this=name, expressions=[exp.Literal.string(path)]))
