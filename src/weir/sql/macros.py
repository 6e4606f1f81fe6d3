"""Macro files split into one template per macro, as dbt stores them.

Each ``{% macro %}`` (and ``{% test %}``, which becomes ``test_<name>``) is kept as
its own source so that every call between macros goes through the render context,
where ``return()`` and ``adapter.dispatch`` behave as in dbt. ``{% docs %}`` blocks
are collected for ``doc()``; ``{% materialization %}`` blocks are recorded and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from weir.errors import CompilationError

_BLOCK = re.compile(
    r"\{%-?\s*(?P<kw>macro|endmacro|test|endtest|materialization|endmaterialization|docs|enddocs)\b"
    r"(?P<rest>.*?)-?%\}",
    re.S,
)
_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.S)
_HEAD = re.compile(r"\s*(?P<name>\w+)\s*(?P<args>\(.*\))?\s*$", re.S)


@dataclass(frozen=True)
class MacroDef:
    """One macro: its package, name and standalone template source."""

    package: str
    name: str
    source: str
    path: str
    line: int


@dataclass
class MacroFile:
    macros: list[MacroDef] = field(default_factory=list)
    docs: dict[str, str] = field(default_factory=dict)


def _blank(match: re.Match[str]) -> str:
    # Keep offsets and line numbers stable while hiding comments from the scanner.
    return re.sub(r"[^\n]", " ", match.group(0))


def split_macros(text: str, *, package: str, path: str) -> MacroFile:
    """Split a macro file into macros and docs blocks."""
    scan = _RAW.sub(_blank, _COMMENT.sub(_blank, text))
    out = MacroFile()
    open_kw: str | None = None
    open_match: re.Match[str] | None = None
    for m in _BLOCK.finditer(scan):
        kw = m["kw"]
        if not kw.startswith("end"):
            if open_kw is not None:
                line = text.count("\n", 0, m.start()) + 1
                raise CompilationError(
                    f"{kw} block opened inside {open_kw} block (missing end{open_kw}?)", path=path, line=line
                )
            open_kw, open_match = kw, m
            continue
        if open_kw is None or kw != "end" + open_kw or open_match is None:
            line = text.count("\n", 0, m.start()) + 1
            raise CompilationError(f"unexpected {{% {kw} %}}", path=path, line=line)
        line = text.count("\n", 0, open_match.start()) + 1
        body = text[open_match.end() : m.start()]
        head = open_match["rest"]
        if open_kw in ("macro", "test"):
            hm = _HEAD.match(head)
            if not hm:
                raise CompilationError(f"cannot read {open_kw} signature {head.strip()!r}", path=path, line=line)
            name = hm["name"] if open_kw == "macro" else f"test_{hm['name']}"
            args = hm["args"] or "()"
            if open_kw == "test" and not hm["args"]:
                args = "(model)"
            lead = "\n" * (line - 1)  # so Jinja errors report the file's own line numbers
            source = f"{lead}{{% macro {name}{args} %}}{body}{{% endmacro %}}"
            out.macros.append(MacroDef(package, name, source, path, line))
        elif open_kw == "docs":
            out.docs[head.strip()] = body.strip()
        open_kw, open_match = None, None
    if open_kw is not None and open_match is not None:
        line = text.count("\n", 0, open_match.start()) + 1
        raise CompilationError(f"{open_kw} block is never closed (missing end{open_kw})", path=path, line=line)
    return out


def load_macro_files(paths: Iterable[Path], *, package: str, root: Path) -> MacroFile:
    """Read every .sql/.md file under the given folders."""
    result = MacroFile()
    for folder in paths:
        if not folder.exists():
            continue
        for file in sorted(folder.rglob("*")):
            if file.suffix not in (".sql", ".md", ".jinja") or not file.is_file():
                continue
            rel = str(file.relative_to(root)) if file.is_relative_to(root) else str(file)
            part = split_macros(file.read_text(encoding="utf-8"), package=package, path=rel)
            result.macros.extend(part.macros)
            result.docs.update(part.docs)
    return result


BUILTIN_DIR = Path(__file__).parent / "macros"


def builtin_macros() -> dict[str, MacroFile]:
    """weir's own ``dbt`` and ``dbt_utils`` macro namespaces."""
    out: dict[str, MacroFile] = {}
    if BUILTIN_DIR.exists():
        for ns_dir in sorted(p for p in BUILTIN_DIR.iterdir() if p.is_dir()):
            out[ns_dir.name] = load_macro_files([ns_dir], package=ns_dir.name, root=BUILTIN_DIR)
    return out
