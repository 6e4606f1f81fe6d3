"""weir builds every differential project to the same tables as dbt-core + dbt-duckdb.

One test per project under tests/differential/projects; see harness.py for how a project is
run (phases, vars, expected failures) and compared. The dbt side needs the reference venv
(env WEIR_DBT_VENV, default <repo>/.venvs/dbt, created by scripts/dbt_venv.sh if missing).

Until `weir.Workspace` exists, each test only checks that the dbt reference run of its project
behaves as its spec says, then skips; set WEIR_DIFFERENTIAL_STRICT=1 to fail instead of skip.
Projects listed in known_failures.txt are xfail (not strict) until weir matches dbt on them.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _load_harness() -> ModuleType:
    # Loaded by path: tests/ is not a package, and the name must not clash with other test dirs.
    name = "weir_differential_harness"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("harness.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


harness = _load_harness()

pytestmark = pytest.mark.differential


def _weir_missing() -> str | None:
    try:
        from weir import Workspace  # noqa: F401
    except (ImportError, AttributeError) as exc:
        return f"weir.Workspace is not available yet ({type(exc).__name__}: {exc})"
    return None


def _known_failures() -> dict[str, str]:
    path = Path(__file__).with_name("known_failures.txt")
    out = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, why = line.partition(":")
            out[name.strip()] = why.strip()
    return out


def _params() -> list:
    known = _known_failures()
    return [
        pytest.param(p, marks=pytest.mark.xfail(reason=known[p], strict=False)) if p in known else p
        for p in harness.project_names()
    ]


@pytest.mark.parametrize("project", _params())
def test_weir_matches_dbt(project: str, tmp_path: Path, shared_tmp: Path) -> None:
    missing = _weir_missing()
    if missing and os.environ.get("WEIR_DIFFERENTIAL_STRICT") != "1":
        spec, results = harness.run_dbt(project, tmp_path)
        problems = harness.check_reference(spec, results)
        if problems:
            pytest.fail(f"{project}: the dbt reference run is broken:\n" + "\n\n".join(problems), pytrace=False)
        pytest.skip(f"dbt reference run OK; weir side not run: {missing}")
    # the weir side runs once per session: tests/integration/spark compares Spark with the same run
    problems = harness.run_differential(project, tmp_path, cache=shared_tmp / "weir-duckdb-runs")
    if problems:
        pytest.fail(
            f"{project}: weir's tables differ from dbt-core + dbt-duckdb's:\n\n" + "\n\n".join(problems),
            pytrace=False,
        )
