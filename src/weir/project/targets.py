"""Choosing the target: weir.yml, an optional profiles.yml, environment, CLI flag.

With no profile at all the target is embedded: DuckDB computes, tables live in a
lakehouse folder inside the project.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from weir.config import Target, WeirSettings, build_settings, build_target, env_overrides
from weir.errors import ConfigError
from weir.project.package import Package
from weir.project.yaml_render import render_yaml
from weir.project.yamlio import read_yaml


def _profiles_file(root: Path, profiles_dir: Path | None) -> Path | None:
    candidates = []
    if profiles_dir is not None:
        candidates.append(profiles_dir / "profiles.yml")
    if os.environ.get("DBT_PROFILES_DIR"):
        candidates.append(Path(os.environ["DBT_PROFILES_DIR"]) / "profiles.yml")
    candidates += [root / "profiles.yml", Path.home() / ".dbt" / "profiles.yml"]
    return next((c for c in candidates if c.exists()), None)


def resolve_target(root: Path, pkg: Package, name: str | None, profiles_dir: Path | None,
                   cli_vars: Mapping[str, Any] | None = None) -> tuple[Target, WeirSettings]:
    settings_file = root / "weir.yml"
    raw_settings = (read_yaml(settings_file, display="weir.yml") or {}) if settings_file.exists() else {}
    if not isinstance(raw_settings, dict):
        raise ConfigError("weir.yml must be a mapping", path="weir.yml")
    targets = raw_settings.pop("targets", None) or {}
    settings = build_settings(raw_settings, origin="weir.yml")
    chosen = name or os.environ.get("WEIR_TARGET") or settings.target
    data: dict[str, Any] = {}
    origin = "weir.yml"
    if chosen and chosen in targets:
        data = dict(render_yaml(targets[chosen], path="weir.yml", vars=cli_vars))
    else:
        pfile = _profiles_file(root, profiles_dir)
        profile_name = str(pkg.config.get("profile") or pkg.name)
        profile = None
        if pfile is not None:
            profiles = read_yaml(pfile) or {}
            profile = profiles.get(profile_name)
        if profile:
            origin = str(pfile)
            chosen = chosen or render_yaml(profile.get("target"), path=origin, vars=cli_vars) or "dev"
            outputs = profile.get("outputs") or {}
            if chosen not in outputs:
                raise ConfigError(
                    f"target {chosen!r} not found in profile {profile_name!r}",
                    path=origin, hint=f"known targets: {', '.join(outputs) or 'none'}",
                )
            data = dict(render_yaml(outputs[chosen], path=origin, vars=cli_vars))
            if data.get("type") == "duckdb":
                # dbt-duckdb's `path` is its database file; weir keeps its catalog there too.
                data.setdefault("path", data.get("path"))
        elif chosen and chosen not in ("dev", "default"):
            raise ConfigError(
                f"target {chosen!r} is not defined",
                hint="define it under targets: in weir.yml or in profiles.yml, or omit --target",
            )
    data.setdefault("name", chosen or "dev")
    data.setdefault("warehouse", settings.warehouse)
    data.setdefault("table_format", settings.table_format)
    data.setdefault("storage", settings.storage.model_dump() if settings.storage else None)
    data.setdefault("iceberg_catalog", settings.iceberg_catalog.model_dump() if settings.iceberg_catalog else None)
    data.update(env_overrides("target"))
    if data.get("path") in (":memory:", None):
        data["path"] = None
    target = build_target({k: v for k, v in data.items() if v is not None}, origin=origin)
    return target, settings
