"""Helpers of the ingestion tests: a project folder around a source's ``ingest:`` block,
and reading a lakehouse table back (through DuckDB, never ``to_pyarrow_table``)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from weir.formats.delta import DeltaFormat
from weir.sql.relation import Relation


def write_project(root: Path, sources: list[dict[str, Any]], models: dict[str, str] | None = None) -> Path:
    """A dbt project with ``sources`` in models/sources.yml and optional SQL models."""
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text("name: shop\nversion: '1.0.0'\nprofile: shop\n")
    (root / "models" / "sources.yml").write_text(yaml.safe_dump({"version": 2, "sources": sources}, sort_keys=False))
    for name, sql in (models or {}).items():
        (root / "models" / f"{name}.sql").write_text(textwrap.dedent(sql))
    return root


def table_rows(root: Path, schema: str, name: str, order_by: str = "1") -> list[tuple[Any, ...]]:
    """Rows of a Delta table of the project's lakehouse, sorted."""
    fmt = DeltaFormat(str(root / "lakehouse"))
    sql = fmt.scan_sql(Relation(schema, name))
    con = duckdb.connect()
    try:
        return con.execute(f"select * from ({sql}) order by {order_by}").fetchall()
    finally:
        con.close()


def table_columns(root: Path, schema: str, name: str) -> list[str]:
    return DeltaFormat(str(root / "lakehouse")).schema(Relation(schema, name)).names


@pytest.fixture
def pg(pg_database: dict[str, Any]) -> Any:
    """A psycopg connection (autocommit) to a fresh database, with its facts as ``.facts``."""
    import psycopg

    conn = psycopg.connect(pg_database["dsn"], autocommit=True)
    conn.facts = pg_database  # type: ignore[attr-defined]
    yield conn
    conn.close()


def pg_source(facts: dict[str, Any], tables: list[dict[str, Any]], **ingest: Any) -> dict[str, Any]:
    """A source entry ``shop`` landing in schema ``raw`` from the test's PostgreSQL database."""
    block = {"type": "postgres", "connection": {"host": facts["host"], "port": facts["port"], "user": facts["user"],
                                                  "dbname": facts["dbname"]}, **ingest}
    return {"name": "shop", "schema": "raw", "ingest": block, "tables": tables}
