"""The sales example built with ``table_format: iceberg`` holds the same tables as with
Delta, over two days of data (incremental models and the snapshot included)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from weir.workspace import Workspace

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "sales"
KEEP = ("dbt_project.yml", "models", "seeds", "snapshots", "macros", "tests", "generate.py")


@pytest.fixture(autouse=True)
def _no_user_profiles(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for var in ("DBT_PROFILES_DIR", "WEIR_TARGET"):
        monkeypatch.delenv(var, raising=False)


def copy_example(root: Path, fmt: str) -> Path:
    root.mkdir()
    for name in KEEP:
        src = EXAMPLE / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    (root / "weir.yml").write_text(f"table_format: {fmt}\n", encoding="utf-8")
    return root


def contents(ws: Workspace) -> dict[str, Any]:
    out = {}
    for schema, name in ws.relations():
        table = ws.query(f'select * from "{schema}"."{name}"')
        cols = table.column_names
        out[f"{schema}.{name}"] = (cols, sorted((tuple(r[c] for c in cols) for r in table.to_pylist()), key=repr))
    return out


def test_sales_on_iceberg_equals_sales_on_delta(tmp_path: Path) -> None:
    roots = {fmt: copy_example(tmp_path / fmt, fmt) for fmt in ("delta", "iceberg")}
    for day in (1, 2):
        got: dict[str, Any] = {}
        for fmt, root in roots.items():
            subprocess.run([sys.executable, str(root / "generate.py"), "--day", str(day)], check=True,
                           capture_output=True)
            with Workspace.load(root) as ws:
                result = ws.build()
                failed = [(r.name, r.message) for r in result.results if r.status not in ("success", "pass")]
                assert result.success, (fmt, failed)
                got[fmt] = contents(ws)
                pointers = dict(((s, n), f) for s, n, f in ws.engine.fetch(
                    "select schema_name, table_name, format from weir_meta.pointers")[1])
                assert set(pointers.values()) == {fmt}
        assert got["iceberg"].keys() == got["delta"].keys()
        assert len(got["delta"]) >= 8
        for name in got["delta"]:
            assert got["iceberg"][name] == got["delta"][name], name
    # the Iceberg tables are Iceberg tables: catalog entries with snapshot history
    with Workspace.load(roots["iceberg"]) as ws:
        assert len(ws.table_history("fct_daily_sales")) >= 2
        assert (roots["iceberg"] / ".weir" / "iceberg_catalog.db").exists()
