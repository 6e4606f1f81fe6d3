"""YAML reading with errors that carry file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from weir.errors import ProjectError


def read_yaml(path: Path, *, display: str | None = None) -> Any:
    """Parse a YAML file; a syntax error names the file and line."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProjectError(f"cannot read file: {exc.strerror}", path=shown) from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        raise ProjectError(f"invalid YAML: {problem}", path=shown, line=line) from None
    except yaml.YAMLError as exc:
        raise ProjectError(f"invalid YAML: {exc}", path=shown) from None


def line_of(text: str, needle: str) -> int | None:
    """First line (1-based) where ``needle`` appears, for pointing at YAML keys."""
    idx = text.find(needle)
    return text.count("\n", 0, idx) + 1 if idx >= 0 else None
