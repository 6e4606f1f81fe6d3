"""dbt's Jinja context for one node: ref, source, config, var, this, adapter, ...

The context is built from plain values plus a ``RenderHooks`` object supplied by the
workspace, so this layer never touches an engine itself.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from weir.errors import CompilationError
from weir.sql.relation import ColumnInfo, Relation
from weir.sql.render import MacroRegistry, RenderScope, do_return

log = logging.getLogger("weir.jinja")

_MISSING = object()


class ResultTable:
    """The agate-like table returned by ``run_query`` and ``load_result``."""

    def __init__(self, column_names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.column_names = list(column_names)
        self.rows = [_Row(self.column_names, r) for r in rows]
        self.columns = _Columns(self.column_names, rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __getitem__(self, i: int) -> Any:
        return self.rows[i]

    def print_table(self, *_: Any, **__: Any) -> None:
        for r in self.rows:
            print(tuple(r))


class _Row(tuple):  # type: ignore[type-arg]
    def __new__(cls, names: list[str], values: Sequence[Any]) -> _Row:
        row = super().__new__(cls, tuple(values))
        row._names = names  # type: ignore[attr-defined]
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names.index(key))  # type: ignore[attr-defined]
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)  # type: ignore[attr-defined]

    def values(self) -> list[Any]:
        return list(self)

    def items(self) -> list[tuple[str, Any]]:
        return list(zip(self._names, self, strict=False))  # type: ignore[attr-defined]

    def dict(self) -> dict[str, Any]:
        return dict(self.items())


class _Column:
    def __init__(self, name: str, values: list[Any]) -> None:
        self.name = name
        self._values = values

    def values(self) -> list[Any]:
        return list(self._values)

    def __iter__(self) -> Any:
        return iter(self._values)


class _Columns(list):  # type: ignore[type-arg]
    def __init__(self, names: list[str], rows: Sequence[Sequence[Any]]) -> None:
        super().__init__(_Column(n, [r[i] for r in rows]) for i, n in enumerate(names))
        self._by_name = {c.name: c for c in self}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._by_name[key]
        return list.__getitem__(self, key)


class RenderHooks(Protocol):
    """What a render needs from the rest of weir."""

    def ref(self, name: str, package: str | None, version: Any) -> Relation: ...

    def source(self, source_name: str, table_name: str) -> Relation: ...

    def run_sql(self, sql: str, fetch: bool) -> ResultTable | None: ...

    def columns(self, relation: Relation) -> list[ColumnInfo]: ...

    def get_relation(self, database: str | None, schema: str, identifier: str) -> Relation | None: ...


@dataclass
class Capture:
    """What a parse render records: refs, sources and ``config()`` calls."""

    refs: list[tuple[str | None, str]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)


class Config:
    """``config(...)`` in a model, and ``config.get``/``config.require`` in macros."""

    def __init__(self, values: dict[str, Any], capture: Capture | None) -> None:
        self._values = values
        self._capture = capture

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if args and isinstance(args[0], dict):
            kwargs = {**args[0], **kwargs}
        if self._capture is not None:
            for k, v in kwargs.items():
                if k in ("tags", "pre_hook", "post_hook", "pre-hook", "post-hook") and k in self._capture.config:
                    old = self._capture.config[k]
                    old = old if isinstance(old, list) else [old]
                    v = old + (v if isinstance(v, list) else [v])
                self._capture.config[k] = v
        return ""

    def get(self, key: str, default: Any = None, validator: Any = None) -> Any:
        if self._capture is not None and key in self._capture.config:
            return self._capture.config[key]
        return self._values.get(key, default)

    def require(self, key: str, validator: Any = None) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise CompilationError(f"missing required config: {key}")
        return value

    def set(self, key: str, value: Any) -> str:
        self._values[key] = value
        return ""

    def meta_get(self, key: str, default: Any = None) -> Any:
        return (self._values.get("meta") or {}).get(key, default)

    def persist_relation_docs(self) -> bool:
        return False

    def persist_column_docs(self) -> bool:
        return False


class AttrDict(dict):  # type: ignore[type-arg]
    """A dict whose keys are also attributes (``target.schema``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Adapter:
    """The ``adapter`` object of dbt's context, backed by the render hooks."""

    def __init__(self, scope_getter: Callable[[], RenderScope], hooks: RenderHooks | None, execute: bool) -> None:
        self._scope = scope_getter
        self._hooks = hooks
        self._execute = execute

    def dispatch(self, macro_name: str, macro_namespace: str | None = None, packages: Any = None) -> Any:
        return self._scope().dispatch(macro_name, macro_namespace, packages)

    def type(self) -> str:
        return str(getattr(self._scope().registry, "adapter_type", "duckdb"))

    def quote(self, identifier: str) -> str:
        return '"' + str(identifier).replace('"', '""') + '"'

    def quote_as_configured(self, identifier: str, _: str = "") -> str:
        return identifier

    def get_relation(self, database: str | None = None, schema: str | None = None, identifier: str | None = None) -> Any:
        if not self._execute or self._hooks is None or identifier is None:
            return None
        return self._hooks.get_relation(database, schema or "", identifier)

    def get_columns_in_relation(self, relation: Any) -> list[ColumnInfo]:
        if not self._execute or self._hooks is None or relation is None:
            return []
        return self._hooks.columns(relation)

    def get_missing_columns(self, from_relation: Any, to_relation: Any) -> list[ColumnInfo]:
        to_cols = {c.name.lower() for c in self.get_columns_in_relation(to_relation)}
        return [c for c in self.get_columns_in_relation(from_relation) if c.name.lower() not in to_cols]

    def already_exists(self, schema: str, name: str) -> bool:
        return self.get_relation(None, schema, name) is not None

    def expand_target_column_types(self, *_: Any, **__: Any) -> str:
        return ""

    def execute(self, sql: str, auto_begin: bool = False, fetch: bool = False) -> Any:
        if not self._execute or self._hooks is None:
            return None, None
        table = self._hooks.run_sql(sql, fetch)
        return "OK", table

    def commit(self) -> str:
        return ""


class _Exceptions:
    @staticmethod
    def raise_compiler_error(msg: str, node: Any = None) -> None:
        raise CompilationError(str(msg))

    @staticmethod
    def raise_not_implemented(msg: str) -> None:
        raise CompilationError(f"not implemented: {msg}")

    @staticmethod
    def warn(msg: str, node: Any = None) -> str:
        log.warning(msg)
        return ""

    @staticmethod
    def raise_database_error(msg: str) -> None:
        raise CompilationError(str(msg))


class _RelationApi:
    @staticmethod
    def create(database: str | None = None, schema: str | None = None, identifier: str | None = None,
               type: str | None = None, **_: Any) -> Relation:
        return Relation(schema=schema, identifier=identifier or "", database=database, type=type)


def _modules() -> AttrDict:
    mods = AttrDict(datetime=datetime, re=re, itertools=itertools, time=time, json=json)
    try:
        import pytz  # type: ignore[import-untyped]

        mods["pytz"] = pytz
    except ImportError:
        mods["pytz"] = AttrDict(utc=datetime.UTC, timezone=lambda name: datetime.UTC)
    return mods


def _log(msg: Any, info: bool = False) -> str:
    if info:
        print(str(msg), file=sys.stderr)
    log.info(str(msg))
    return ""


def _env_var(name: str, default: Any = _MISSING) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is not _MISSING:
        return str(default)
    raise CompilationError(f"env_var: required environment variable {name!r} is not set")


STATIC_GLOBALS: dict[str, Any] = {
    "modules": _modules(),
    "exceptions": _Exceptions(),
    "api": AttrDict(Relation=_RelationApi()),
    "fromjson": lambda s, default=None: json.loads(s) if s else default,
    "tojson": lambda v, sort_keys=False: json.dumps(v, sort_keys=sort_keys, default=str),
    "fromyaml": lambda s, default=None: yaml.safe_load(s) if s else default,
    "toyaml": lambda v: yaml.safe_dump(v, sort_keys=False),
    "zip": zip,
    "set": set,
    "local_md5": lambda s: hashlib.md5(str(s).encode()).hexdigest(),
    "print": lambda *a: print(*a) or "",
    "log": _log,
    "return": do_return,
    "env_var": _env_var,
    "dbt_version": "1.11.0",
    "try_or_compiler_error": lambda msg, fn, *a, **kw: fn(*a, **kw),
}


@dataclass
class NodeContextSpec:
    """Everything that varies between renders of different nodes."""

    package: str
    project_name: str
    target: dict[str, Any]
    vars: dict[str, Any]
    this: Relation | None = None
    model: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    is_incremental: bool = False
    execute: bool = False
    flags: dict[str, Any] = field(default_factory=dict)
    graph: dict[str, Any] = field(default_factory=dict)
    invocation_id: str = ""
    run_started_at: datetime.datetime | None = None
    docs: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def build_context(
    spec: NodeContextSpec,
    registry: MacroRegistry,
    hooks: RenderHooks | None,
    capture: Capture | None = None,
) -> tuple[dict[str, Any], RenderScope]:
    """The Jinja context for one render of one node."""
    results: dict[str, Any] = {}
    ctx: dict[str, Any] = dict(STATIC_GLOBALS)

    def ref(*args: str, version: Any = None, v: Any = None, **_: Any) -> Relation:
        if len(args) == 2:
            package, name = args
        elif len(args) == 1:
            package, name = None, args[0]
        else:
            raise CompilationError(f"ref() takes 1 or 2 names, got {len(args)}")
        if capture is not None:
            capture.refs.append((package, name))
        if hooks is None:
            return Relation(schema=None, identifier=name)
        return hooks.ref(name, package, version or v)

    def source(source_name: str, table_name: str) -> Relation:
        if capture is not None:
            capture.sources.append((source_name, table_name))
        if hooks is None:
            return Relation(schema=source_name, identifier=table_name)
        return hooks.source(source_name, table_name)

    def var(name: str, default: Any = _MISSING) -> Any:
        if name in spec.vars:
            return spec.vars[name]
        if default is not _MISSING:
            return default
        if not spec.execute and capture is not None:
            return None
        raise CompilationError(
            f"required var {name!r} not found in config",
            hint=f"set it under vars: in dbt_project.yml or pass --vars '{{{name}: ...}}'",
        )

    var_obj = _Var(var, spec.vars)

    def run_query(sql: str) -> ResultTable | None:
        if not spec.execute or hooks is None:
            return None
        return hooks.run_sql(str(sql), True)

    def statement(name: str | None = None, fetch_result: bool = False, auto_begin: bool = True,
                  language: str = "sql", caller: Any = None) -> str:
        sql = caller() if caller is not None else ""
        if not spec.execute or hooks is None:
            return ""
        table = hooks.run_sql(str(sql), fetch_result)
        if name:
            results[name] = AttrDict(
                response=AttrDict(code="OK", rows_affected=len(table) if table else 0, _message="OK"),
                data=[tuple(r) for r in table.rows] if table is not None else [],
                table=table,
            )
        return ""

    def load_result(name: str) -> Any:
        return results.get(name)

    def store_result(name: str, response: Any = None, agate_table: Any = None) -> str:
        results[name] = AttrDict(response=response, table=agate_table,
                                 data=[tuple(r) for r in agate_table.rows] if agate_table else [])
        return ""

    def doc(name: str, *_: Any) -> str:
        if name not in spec.docs:
            raise CompilationError(f"documentation block {name!r} not found")
        return spec.docs[name]

    scope_box: list[RenderScope] = []
    ctx.update(
        ref=ref,
        source=source,
        var=var_obj,
        config=Config(spec.config, capture),
        is_incremental=lambda: spec.is_incremental,
        this=spec.this,
        model=spec.model,
        target=AttrDict(spec.target),
        execute=spec.execute,
        run_query=run_query,
        statement=statement,
        load_result=load_result,
        store_result=store_result,
        doc=doc,
        load_relation=lambda rel: ctx["adapter"].get_relation(rel.database, rel.schema, rel.identifier),
        load_cached_relation=lambda rel: ctx["adapter"].get_relation(rel.database, rel.schema, rel.identifier),
        adapter=Adapter(lambda: scope_box[0], hooks, spec.execute),
        flags=AttrDict(spec.flags),
        graph=spec.graph,
        invocation_id=spec.invocation_id,
        run_started_at=spec.run_started_at or datetime.datetime.now(datetime.UTC),
        project_name=spec.project_name,
        builtins=AttrDict(ref=ref, source=source, config=ctx.get("config")),
        selected_resources=spec.extra.get("selected_resources", []),
        context=None,
    )
    ctx.update(spec.extra)
    scope = RenderScope(registry, ctx, node_package=spec.package)
    scope_box.append(scope)
    ctx["context"] = ctx
    return ctx, scope


class _Var:
    """``var('x')`` and ``var.has_var('x')``."""

    def __init__(self, fn: Callable[..., Any], values: dict[str, Any]) -> None:
        self._fn = fn
        self._values = values

    def __call__(self, name: str, default: Any = _MISSING) -> Any:
        return self._fn(name, default)

    def has_var(self, name: str) -> bool:
        return name in self._values
