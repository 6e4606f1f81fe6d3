"""Parsing of CLI option values shared by the commands."""

from __future__ import annotations

from typing import Any

import yaml

from weir.errors import ConfigError


def parse_mapping(text: str | None, option: str, example: str) -> dict[str, Any]:
    """A mapping option (``--vars``, ``--conf``) written as YAML or JSON (JSON is YAML)."""
    if not text:
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{option} is not valid YAML or JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{option} must be a mapping, e.g. {option} '{example}'")
    return data


def parse_vars(text: str | None) -> dict[str, Any]:
    return parse_mapping(text, "--vars", "{day: 2}")
