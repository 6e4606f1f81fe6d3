"""Software-defined assets: ``@asset`` makes a Python function a table of the project graph.

The function's parameter names are its upstream models, seeds, snapshots or assets
(sources as ``<source>__<table>``); weir passes their rows in and writes the value it
returns as the asset's table. See docs/assets.md.
"""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, overload

from weir.errors import ConfigError

MATERIALIZATIONS = ("table", "incremental")


@dataclass(frozen=True)
class AssetDefinition:
    """What ``@asset`` made of a function: its name, options and upstream hints.

    Calling it calls the function, so an asset can be unit-tested like any function."""

    fn: Callable[..., Any]
    name: str
    #: options given to the decorator, as model config keys (only those set)
    config: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    #: upstreams that give no data, only order: names, ``pkg.name`` or ``source:src.table``
    deps: tuple[str, ...] = ()
    #: parameter name -> upstream, for inputs whose name is not the upstream's
    ins: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)


@dataclass
class AssetContext:
    """What an asset receives in a parameter named ``context``."""

    name: str
    #: true when the asset is incremental and its table exists (not a full refresh)
    is_incremental: bool
    #: the asset's own table, quoted for SQL (read it in ``query`` on incremental runs)
    this: str
    config: dict[str, Any]
    vars: dict[str, Any]
    run_id: str
    _query: Callable[[str], Any] = field(repr=False)

    def query(self, sql: str) -> Any:
        """Run SQL on the project's engine (refer to tables by name, or to ``this``):
        the rows as a ``pyarrow.Table``."""
        return self._query(sql)


@overload
def asset(fn: Callable[..., Any], /) -> AssetDefinition: ...


@overload
def asset(*, name: str | None = None, schema: str | None = None, materialized: str | None = None,
          unique_key: str | list[str] | None = None, incremental_strategy: str | None = None,
          on_schema_change: str | None = None, tags: str | Iterable[str] | None = None,
          description: str | None = None, deps: Iterable[str] | None = None, ins: dict[str, str] | None = None,
          config: dict[str, Any] | None = None, owners: Iterable[str] | None = None
          ) -> Callable[[Callable[..., Any]], AssetDefinition]: ...


def asset(fn: Callable[..., Any] | None = None, /, *, name: str | None = None, schema: str | None = None,
          materialized: str | None = None, unique_key: str | list[str] | None = None,
          incremental_strategy: str | None = None, on_schema_change: str | None = None,
          tags: str | Iterable[str] | None = None, description: str | None = None,
          deps: Iterable[str] | None = None, ins: dict[str, str] | None = None,
          config: dict[str, Any] | None = None, owners: Iterable[str] | None = None) -> Any:
    """Declare a table computed by a Python function: ``@asset`` or ``@asset(...)``.

    ``materialized`` is ``table`` (default) or ``incremental`` (with ``unique_key``,
    ``incremental_strategy``, ``on_schema_change`` as for SQL models); ``config`` takes
    any other model config (``table_format``, ``partition_by``, ``on_fail``, ``alias``…)."""

    def wrap(func: Callable[..., Any]) -> AssetDefinition:
        where = _where(func)
        if not inspect.isfunction(func) or inspect.iscoroutinefunction(func) or inspect.isgeneratorfunction(func):
            raise ConfigError(f"@asset decorates a plain function, not {type(func).__name__}"
                              + (" (async and generator functions are not supported)" if inspect.isfunction(func)
                                 else ""), **where)
        asset_name = name or func.__name__
        if not asset_name.isidentifier() or keyword.iskeyword(asset_name):
            raise ConfigError(f"asset name {asset_name!r} must be a Python identifier", **where)
        cfg: dict[str, Any] = dict(config or {})
        options = {"schema": schema, "materialized": materialized, "unique_key": unique_key,
                   "incremental_strategy": incremental_strategy, "on_schema_change": on_schema_change}
        cfg.update({k: v for k, v in options.items() if v is not None})
        if tags is not None:
            cfg["tags"] = [tags] if isinstance(tags, str) else [str(t) for t in tags]
        if owners is not None:
            cfg["meta"] = {**(cfg.get("meta") or {}), "owners": [str(o) for o in owners]}
        if cfg.get("materialized", "table") not in MATERIALIZATIONS:
            raise ConfigError(f"asset {asset_name!r}: materialized={cfg['materialized']!r} is not supported",
                              hint="use materialized='table' or 'incremental'", **where)
        bad_deps = [d for d in (deps or ()) if not isinstance(d, str)]
        if bad_deps or isinstance(deps, str):
            raise ConfigError(f"asset {asset_name!r}: deps must be a list of names", **where)
        return AssetDefinition(fn=func, name=asset_name, config=cfg,
                               description=description or inspect.getdoc(func) or "",
                               deps=tuple(deps or ()), ins=dict(ins or {}))

    if fn is not None:
        return wrap(fn)
    return wrap


def _where(func: Any) -> dict[str, Any]:
    code = getattr(func, "__code__", None)
    return {"path": code.co_filename, "line": code.co_firstlineno} if code is not None else {}


__all__ = ["AssetContext", "AssetDefinition", "asset"]
