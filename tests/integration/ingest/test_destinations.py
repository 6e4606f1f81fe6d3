"""Ingestion lands in every table format: Delta (default), Iceberg, and DuckDB-native tables
(full loads only: a DuckDB table cannot carry the cursor in its commit)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_project

from weir.workspace import Workspace

pytestmark = pytest.mark.integration


def _project(tmp_path: Path, table_format: str, mode: str) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("id,name\n1,a\n2,b\n")
    source = {"name": "land", "schema": "raw", "ingest": {"type": "files", "table_format": table_format},
              "tables": [{"name": "items", "ingest": {"path": "data/*.csv", "mode": mode}}]}
    return write_project(tmp_path, [source])


def _ingest_and_read(root: Path) -> list[tuple[object, ...]]:
    with Workspace.load(root) as ws:
        result = ws.ingest()
        assert result.success, [r.message for r in result.results]
        return sorted(ws.query("select id, name from raw.items").to_pylist(), key=lambda r: r["id"])  # type: ignore[no-any-return]


@pytest.mark.parametrize(("table_format", "mode"), [("iceberg", "incremental"), ("duckdb", "full")])
def test_ingest_into_each_format(tmp_path, table_format, mode):
    root = _project(tmp_path, table_format, mode)
    assert _ingest_and_read(root) == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    (tmp_path / "data" / "b.csv").write_text("id,name\n3,c\n")
    assert [r["id"] for r in _ingest_and_read(root)] == [1, 2, 3]  # reruns neither lose nor double rows


def test_duckdb_tables_refuse_modes_that_need_a_committed_cursor(tmp_path):
    root = _project(tmp_path, "duckdb", "incremental")
    with Workspace.load(root) as ws:
        [res] = ws.ingest().results
    assert res.status == "error"
    assert "needs a table format that commits the cursor with the data; duckdb cannot" in (res.message or "")
