"""``weir table history|optimize|vacuum|restore`` from the command line, on Delta and Iceberg:
after a restore the engine serves the restored rows; after optimize and vacuum the rows
are unchanged."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from weir.cli.main import cli
from weir.workspace import Workspace

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _no_user_profiles(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for var in ("DBT_PROFILES_DIR", "WEIR_TARGET"):
        monkeypatch.delenv(var, raising=False)


def project(root: Path, fmt: str) -> Path:
    files = {
        "dbt_project.yml": "name: p\nprofile: p\nmodels:\n  p:\n    +materialized: table\n",
        "weir.yml": f"table_format: {fmt}\n",
        "seeds/nums.csv": "n\n1\n2\n",
        "models/events.sql": """\
            {{ config(materialized='incremental') }}
            select n, '{{ var("tag", "a") }}' as tag from {{ ref('nums') }}
            """,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def weir(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--project-dir", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def shown(root: Path) -> list[tuple[int, str]]:
    with Workspace.load(root) as ws:
        return sorted((r["n"], r["tag"]) for r in ws.read_table("events").to_pylist())


@pytest.mark.parametrize("fmt", ["delta", "iceberg"])
def test_history_optimize_vacuum_restore(tmp_path: Path, fmt: str) -> None:
    root = project(tmp_path, fmt)
    for tag in ("a", "b", "c"):  # three appends: three commits, three files
        weir(root, "build", "--vars", f"{{tag: {tag}}}")
    assert len(shown(root)) == 6

    history = json.loads(weir(root, "table", "history", "events", "--format", "json"))
    assert len(history) >= 3 and all(h["weir.node"] == "model.p.events" for h in history)
    first = history[-1]["version"]
    assert json.loads(weir(root, "table", "history", "events", "--limit", "1", "--format", "json"))[0] == history[0]
    assert "events" in weir(root, "table", "history", "main.events")  # schema.table works too

    out = weir(root, "table", "restore", "events", "--version", str(first))
    assert f"restored version {first}" in out
    assert shown(root) == [(1, "a"), (2, "a")]  # the pointer view serves the restored version

    weir(root, "build", "--vars", "{tag: d}")
    weir(root, "build", "--vars", "{tag: e}")
    assert "compacted" in weir(root, "table", "optimize", "events")
    assert shown(root) == [(1, "a"), (1, "d"), (1, "e"), (2, "a"), (2, "d"), (2, "e")]

    dry = weir(root, "table", "vacuum", "events", "--retain-hours", "0", "--dry-run")
    planned = [line for line in dry.splitlines() if ".parquet" in line]
    assert planned and "would delete" in dry
    assert all(Path(p.removeprefix("file://")).exists() or "://" not in p for p in planned)
    done = weir(root, "table", "vacuum", "events", "--retain-hours", "0")
    assert "deleted" in done
    assert shown(root) == [(1, "a"), (1, "d"), (1, "e"), (2, "a"), (2, "d"), (2, "e")]


def test_errors_name_the_table(tmp_path: Path) -> None:
    root = project(tmp_path, "delta")
    weir(root, "build")
    runner = CliRunner()
    bad = runner.invoke(cli, ["table", "restore", "events", "--version", "99", "--project-dir", str(root)])
    assert bad.exit_code != 0 and "has no version 99" in str(bad.exception)
    view = runner.invoke(cli, ["table", "history", "nums_missing", "--project-dir", str(root)])
    assert view.exit_code != 0 and "no node named 'nums_missing'" in str(view.exception)
