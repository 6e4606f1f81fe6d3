"""Which engine a target computes on: ``type: spark`` -> SparkEngine, else the embedded
DuckDB engine with its catalog file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from weir.config.spark import spark_settings
from weir.engines.duckdb import DuckDBEngine
from weir.project.loader import Project


def make_engine(project: Project, *, announce: Any = None) -> Any:
    """The engine of the project's target; Spark starts lazily, on its first query."""
    target = project.target
    if str(target.type).lower() == "spark":
        from weir.engines.spark import SparkEngine

        s = spark_settings(target)
        return SparkEngine(method=s.method, master=s.master, url=s.host, conf=s.spark_conf, app_name=s.app_name,
                           threads=target.threads, native_merge=s.native_merge, s3a=s.s3a,
                           announce=announce or _stderr)
    catalog = Path(target.path) if target.path else project.state_dir / f"{target.name}.duckdb"
    if not catalog.is_absolute():
        catalog = project.root / catalog
    return DuckDBEngine(catalog, threads=target.threads, search_path=project.root)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


__all__ = ["make_engine"]
