"""schema.yml / sources.yml: descriptions, columns, configs, tests and sources."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weir.errors import ProjectError
from weir.graph.node import Column
from weir.project.yamlio import line_of, read_yaml

RESOURCE_KEYS = ("models", "seeds", "snapshots", "analyses")


@dataclass
class TestEntry:
    """One test as written in YAML, before it becomes a node."""

    name: str  # e.g. "not_null", "dbt_utils.expression_is_true"
    args: dict[str, Any]
    column_name: str | None
    path: str
    line: int | None


@dataclass
class Patch:
    """Properties of a model, seed, snapshot or analysis."""

    kind: str
    name: str
    description: str = ""
    columns: list[Column] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    tests: list[TestEntry] = field(default_factory=list)
    path: str = ""
    line: int | None = None


@dataclass
class SourceTable:
    source_name: str
    name: str
    schema: str
    identifier: str
    database: str | None
    description: str
    columns: list[Column]
    config: dict[str, Any]
    meta: dict[str, Any]
    tests: list[TestEntry]
    path: str
    line: int | None
    loaded_at_field: str | None = None
    freshness: dict[str, Any] | None = None
    #: the ``ingest:`` block (source-level keys, then the table's own), None when not ingested
    ingest: dict[str, Any] | None = None


@dataclass
class Properties:
    patches: dict[tuple[str, str], Patch] = field(default_factory=dict)
    sources: list[SourceTable] = field(default_factory=list)
    snapshots_yaml: list[dict[str, Any]] = field(default_factory=list)


def _test_entries(raw: Any, column: str | None, path: str, text: str) -> list[TestEntry]:
    out: list[TestEntry] = []
    for item in raw or []:
        line = line_of(text, str(item) if isinstance(item, str) else next(iter(item), ""))
        if isinstance(item, str):
            out.append(TestEntry(item, {}, column, path, line))
            continue
        if not isinstance(item, dict) or not item:
            raise ProjectError(f"a test must be a name or a mapping, got {item!r}", path=path, line=line)
        if "test_name" in item:
            args = {k: v for k, v in item.items() if k != "test_name"}
            out.append(TestEntry(item["test_name"], _flatten_arguments(args), column, path, line))
            continue
        if len(item) != 1:
            raise ProjectError(f"a test mapping must have exactly one key (the test name), got {list(item)}",
                               path=path, line=line)
        name, args = next(iter(item.items()))
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise ProjectError(f"arguments of test {name!r} must be a mapping", path=path, line=line)
        out.append(TestEntry(name, _flatten_arguments(dict(args)), column, path, line))
    return out


def _flatten_arguments(args: dict[str, Any]) -> dict[str, Any]:
    # dbt 1.10+ puts test arguments under `arguments:`; older projects put them inline.
    if isinstance(args.get("arguments"), dict):
        inner = args.pop("arguments")
        args = {**inner, **args}
    return args


def _columns(raw: Any, path: str, text: str, kind_name: str) -> tuple[list[Column], list[TestEntry]]:
    cols: list[Column] = []
    tests: list[TestEntry] = []
    for c in raw or []:
        if not isinstance(c, dict) or "name" not in c:
            raise ProjectError(f"each column of {kind_name} needs a name", path=path, line=line_of(text, str(c)))
        name = str(c["name"])
        cols.append(Column(name, str(c.get("description") or ""), c.get("data_type"), c.get("meta") or {}))
        tests += _test_entries(c.get("data_tests", c.get("tests")), name, path, text)
    return cols, tests


def read_properties(files: list[tuple[Path, str]], render: Callable[[Any, str], Any] | None = None) -> Properties:
    """Read every properties YAML file (absolute path, path shown to users); ``render``
    renders the Jinja in its values (data, path)."""
    props = Properties()
    for file, shown in files:
        data = read_yaml(file, display=shown)
        if render is not None and data:
            data = render(data, shown)
        if not data:
            continue
        if not isinstance(data, dict):
            raise ProjectError("a properties file must be a mapping with models:/sources:/seeds:", path=shown)
        text = file.read_text(encoding="utf-8")
        for kind in RESOURCE_KEYS:
            for entry in data.get(kind) or []:
                if not isinstance(entry, dict) or "name" not in entry:
                    raise ProjectError(f"every entry under {kind}: needs a name", path=shown,
                                       line=line_of(text, str(entry)[:20]))
                if kind == "snapshots" and "relation" in entry:
                    props.snapshots_yaml.append({**entry, "__path": shown})
                name = str(entry["name"])
                line = line_of(text, f"name: {name}")
                key = (kind, name)
                if key in props.patches:
                    raise ProjectError(f"{kind[:-1]} {name!r} is described twice (also in {props.patches[key].path})",
                                       path=shown, line=line)
                cols, col_tests = _columns(entry.get("columns"), shown, text, name)
                config = dict(entry.get("config") or {})
                for legacy in ("materialized", "tags", "meta", "docs"):
                    if legacy in entry and legacy not in config:
                        config[legacy] = entry[legacy]
                props.patches[key] = Patch(
                    kind=kind,
                    name=name,
                    description=str(entry.get("description") or ""),
                    columns=cols,
                    config=config,
                    tests=_test_entries(entry.get("data_tests", entry.get("tests")), None, shown, text) + col_tests,
                    path=shown,
                    line=line,
                )
        for src in data.get("sources") or []:
            props.sources += _source(src, shown, text)
    return props


def _source(src: Any, path: str, text: str) -> list[SourceTable]:
    if not isinstance(src, dict) or "name" not in src:
        raise ProjectError("every source needs a name", path=path)
    sname = str(src["name"])
    out = []
    src_config = dict(src.get("config") or {})
    src_meta = dict(src.get("meta") or {})
    for t in src.get("tables") or []:
        if not isinstance(t, dict) or "name" not in t:
            raise ProjectError(f"every table of source {sname!r} needs a name", path=path, line=line_of(text, sname))
        tname = str(t["name"])
        cols, col_tests = _columns(t.get("columns"), path, text, f"{sname}.{tname}")
        out.append(
            SourceTable(
                source_name=sname,
                name=tname,
                schema=str(src.get("schema") or sname),
                identifier=str(t.get("identifier") or tname),
                database=src.get("database"),
                description=str(t.get("description") or ""),
                columns=cols,
                config={**src_config, **(t.get("config") or {})},
                meta={**src_meta, **(t.get("meta") or {})},
                tests=_test_entries(t.get("data_tests", t.get("tests")), None, path, text) + col_tests,
                path=path,
                line=line_of(text, f"name: {tname}"),
                loaded_at_field=t.get("loaded_at_field", src.get("loaded_at_field")),
                freshness=t.get("freshness", src.get("freshness")),
                ingest=_ingest_block(src, t),
            )
        )
    return out


def _ingest_block(src: dict[str, Any], table: dict[str, Any]) -> dict[str, Any] | None:
    """The source's ``ingest:`` keys overridden by the table's; None when neither has one."""
    outer, inner = src.get("ingest"), table.get("ingest")
    if outer is None and inner is None:
        return None
    return {**(outer if isinstance(outer, dict) else {}), **(inner if isinstance(inner, dict) else {})}
