"""A dbt package on disk: the root project or one under dbt_packages/ or packages.yml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weir.errors import ProjectError
from weir.project.yaml_render import render_yaml
from weir.project.yamlio import read_yaml


def _paths(cfg: dict[str, Any], key: str, default: list[str]) -> list[str]:
    value = cfg.get(key, default)
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in value or []]


@dataclass
class Package:
    """One project's folders and dbt_project.yml."""

    name: str
    root: Path
    config: dict[str, Any] = field(default_factory=dict)
    is_root: bool = False

    @property
    def model_paths(self) -> list[str]:
        return _paths(self.config, "model-paths", _paths(self.config, "source-paths", ["models"]))

    @property
    def seed_paths(self) -> list[str]:
        return _paths(self.config, "seed-paths", _paths(self.config, "data-paths", ["seeds"]))

    @property
    def snapshot_paths(self) -> list[str]:
        return _paths(self.config, "snapshot-paths", ["snapshots"])

    @property
    def macro_paths(self) -> list[str]:
        return _paths(self.config, "macro-paths", ["macros"])

    @property
    def test_paths(self) -> list[str]:
        return _paths(self.config, "test-paths", ["tests"])

    @property
    def analysis_paths(self) -> list[str]:
        return _paths(self.config, "analysis-paths", ["analyses"])

    @property
    def docs_paths(self) -> list[str]:
        return _paths(self.config, "docs-paths", self.model_paths)

    @property
    def vars(self) -> dict[str, Any]:
        return dict(self.config.get("vars") or {})


def scoped_vars(packages: dict[str, Package], root: Package, package: str,
                cli_vars: dict[str, Any]) -> dict[str, Any]:
    """Vars as a node of ``package`` sees them: its package's own, the root project's
    (global, then scoped to that package), then ``--vars``."""
    out: dict[str, Any] = {}
    own = packages[package].vars if package in packages else {}
    out.update({k: v for k, v in own.items() if not (k in packages and isinstance(v, dict))})
    out.update({k: v for k, v in root.vars.items() if not (k in packages and isinstance(v, dict))})
    if isinstance(root.vars.get(package), dict):
        out.update(root.vars[package])
    out.update(cli_vars)
    return out


def read_package(root: Path, *, is_root: bool = False, cli_vars: Mapping[str, Any] | None = None) -> Package:
    file = root / "dbt_project.yml"
    if not file.exists():
        if is_root:
            raise ProjectError(
                f"no dbt_project.yml in {root}",
                hint="run weir in a dbt project folder, pass --project-dir, or create one with `weir init NAME`",
            )
        raise ProjectError(f"package folder {root} has no dbt_project.yml")
    shown = str(file.relative_to(root.parent)) if not is_root else "dbt_project.yml"
    cfg = read_yaml(file, display=shown) or {}
    if isinstance(cfg, dict):  # its own vars: and --vars are known while it is rendered
        own: dict[str, Any] = cfg["vars"] if isinstance(cfg.get("vars"), dict) else {}
        cfg = render_yaml(cfg, path=shown, vars={**own, **(cli_vars or {})})
    if not isinstance(cfg, dict) or not cfg.get("name"):
        raise ProjectError("dbt_project.yml must be a mapping with a name:", path=str(file))
    name = str(cfg["name"])
    if not name.replace("_", "").isalnum():
        raise ProjectError(f"project name {name!r} must be letters, digits and underscores", path=str(file))
    return Package(name=name, root=root, config=cfg, is_root=is_root)


def installed_packages(root: Package, cli_vars: Mapping[str, Any] | None = None) -> list[Package]:
    """Packages under the packages install path, plus `local:` entries of packages.yml."""
    found: dict[str, Package] = {}
    install = root.root / str(root.config.get("packages-install-path", "dbt_packages"))
    if install.is_dir():
        for d in sorted(install.iterdir()):
            if (d / "dbt_project.yml").exists():
                pkg = read_package(d, cli_vars=cli_vars)
                found[pkg.name] = pkg
    for spec_file in ("packages.yml", "dependencies.yml"):
        f = root.root / spec_file
        if not f.exists():
            continue
        data = read_yaml(f, display=spec_file) or {}
        for entry in data.get("packages") or []:
            if isinstance(entry, dict) and "local" in entry:
                path = (root.root / str(entry["local"])).resolve()
                pkg = read_package(path, cli_vars=cli_vars)
                found.setdefault(pkg.name, pkg)
    return list(found.values())
