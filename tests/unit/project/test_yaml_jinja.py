"""Jinja in YAML files renders as in dbt: env_var, var and target, types kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from weir.errors import ProjectError
from weir.project.loader import load_project


def _project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: yj\nprofile: yj\nconfig-version: 2\nvars:\n  team: core\n"
        "models:\n  yj:\n    +tags: [\"{{ var('team') }}\"]\n    +schema: \"{{ env_var('YJ_SCHEMA', 'marts') }}\"\n")
    (root / "profiles.yml").write_text(
        "yj:\n  target: \"{{ env_var('YJ_TARGET', 'dev') }}\"\n  outputs:\n"
        "    dev:\n      type: duckdb\n      schema: \"{{ env_var('YJ_BASE') }}\"\n      threads: \"{{ var('threads', 3) }}\"\n")
    (root / "models" / "m.sql").write_text("select 1 as a")
    (root / "models" / "schema.yml").write_text(
        "version: 2\nmodels:\n  - name: m\n    description: \"{{ doc('not_rendered_here') }}\"\n"
        "    config:\n      rows: \"{{ var('rows', 1) }}\"\n      alias: \"m_{{ target.name }}\"\n"
        "    columns:\n      - name: a\n        tests: [{accepted_values: {values: [\"{{ var('never') }}\"]}}]\n")
    return root


def test_profiles_project_and_properties_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YJ_BASE", "analytics")
    root = _project(tmp_path / "p")
    project = load_project(root, cli_vars={"rows": 5}, profiles_dir=root)
    assert project.target.schema == "analytics" and project.target.threads == 3
    node = project.graph.nodes["model.yj.m"]
    assert node.config["rows"] == 5  # one expression keeps its type
    assert node.config["alias"] == "m_dev"
    assert node.config["tags"] == ["core"]
    assert str(project.relations["model.yj.m"]) == '"analytics_marts"."m_dev"'


def test_an_unset_env_var_names_the_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YJ_BASE", raising=False)
    root = _project(tmp_path / "p")
    with pytest.raises(ProjectError, match=r"profiles.yml: schema: env_var: required environment variable 'YJ_BASE'"):
        load_project(root, profiles_dir=root)
