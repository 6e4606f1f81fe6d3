"""Packages (dbt_packages/ and packages.yml local:), an installed dbt_utils overriding
weir's built-in one, DuckDB-native tables, and weir.yml targets."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from weir import Workspace

pytestmark = pytest.mark.integration


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write(root, {
        "dbt_project.yml": """\
            name: proj
            profile: proj
            models:
              proj:
                +materialized: table
            """,
        "seeds/nums.csv": "n\n1\n2\n3\n",
        "models/doubled.sql": "select n, {{ helpers.double('n') }} as d from {{ ref('nums') }}\n",
        "models/keyed.sql": "select n, {{ dbt_utils.generate_surrogate_key(['n']) }} as k from {{ ref('nums') }}\n",
        "packages.yml": "packages:\n  - local: ../helpers\n",
    })
    write(tmp_path / "helpers", {
        "dbt_project.yml": "name: helpers\n",
        "macros/double.sql": "{% macro double(x) %}({{ x }} * 2){% endmacro %}\n",
        "models/helper_model.sql": "select 42 as answer\n",
    })
    return root


def rows(ws: Workspace, name: str) -> list[tuple]:
    t = ws.read_table(name)
    return sorted(tuple(r.values()) for r in t.to_pylist())


def test_local_package_macros_and_models(project: Path) -> None:
    with Workspace.load(project) as ws:
        result = ws.build()
        assert result.success, [(r.name, r.message) for r in result.results if r.status != "success"]
        assert rows(ws, "doubled") == [(1, 2), (2, 4), (3, 6)]
        # the package's own models are built too, as dbt does
        assert rows(ws, "helper_model") == [(42,)]


def test_builtin_dbt_utils_then_installed_package_wins(project: Path) -> None:
    with Workspace.load(project) as ws:
        assert ws.build().success
        keys = [r["k"] for r in ws.read_table("keyed").to_pylist()]
        assert all(len(k) == 32 for k in keys)  # md5 text from weir's built-in dbt_utils
    write(project, {
        "dbt_packages/dbt_utils/dbt_project.yml": "name: dbt_utils\n",
        "dbt_packages/dbt_utils/macros/keys.sql":
            "{% macro generate_surrogate_key(cols) %}'installed-' || {{ cols[0] }}{% endmacro %}\n",
    })
    with Workspace.load(project) as ws:
        assert ws.build().success
        assert sorted(r["k"] for r in ws.read_table("keyed").to_pylist()) == [
            "installed-1", "installed-2", "installed-3"]


def test_duckdb_native_tables_and_weir_yml_target(project: Path) -> None:
    write(project, {"weir.yml": "table_format: duckdb\ntargets:\n  ci:\n    schema: ci\n    threads: 2\n"})
    with Workspace.load(project, target="ci") as ws:
        assert ws.project.target.schema == "ci"
        assert ws.build().success
        assert rows(ws, "doubled") == [(1, 2), (2, 4), (3, 6)]
        # stored inside the catalog file, not as a Delta folder
        assert ws.engine.relation_type("ci", "doubled") == "table"
        assert not (project / "lakehouse" / "ci" / "doubled").exists()
    # an incremental model on the native format merges in place
    write(project, {"models/inc.sql": """\
        {{ config(materialized='incremental', unique_key='n', incremental_strategy='merge') }}
        select n, n * {{ var('m', 1) }} as v from {{ ref('nums') }}
        """})
    with Workspace.load(project, target="ci") as ws:
        assert ws.build(select=["inc"]).success
    with Workspace.load(project, target="ci", vars={"m": 10}) as ws:
        assert ws.build(select=["inc"]).success
        assert rows(ws, "inc") == [(1, 10), (2, 20), (3, 30)]


def test_unknown_target_is_a_clear_error(project: Path) -> None:
    from weir.errors import ConfigError

    with pytest.raises(ConfigError, match="target 'prod' is not defined"):
        Workspace.load(project, target="prod")
