"""Jinja in task arguments: the names a template may use, rendering, and load-time checks.

Templates are compiled once per distinct source string; values without ``{{``/``{%`` are
never touched, so a pipeline of plain arguments pays nothing for templating.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.meta

from weir.errors import WeirError

KNOWN_NAMES = frozenset({
    "ds", "ds_nodash", "ts", "ts_nodash", "logical_date", "execution_date", "data_interval_start",
    "data_interval_end", "prev_ds", "next_ds", "params", "run_id", "var", "macros", "conf", "pipeline_id",
    "dag_id", "task_id", "map_index", "try_number", "task", "ti", "task_instance", "dag_run", "vars",
})


class VarAccessor:
    """Project vars in templates: ``{{ var('x', 'default') }}`` and Airflow's ``{{ var.value.x }}``."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def __call__(self, name: str, default: Any = ...) -> Any:
        if name in self._values:
            return self._values[name]
        if default is ...:
            raise WeirError(f"unknown var {name!r} in a template",
                            hint="set it under vars: in dbt_project.yml or pass --vars")
        return default

    @property
    def value(self) -> _VarAttrs:
        return _VarAttrs(self)

    json = value


class _VarAttrs:
    def __init__(self, accessor: VarAccessor) -> None:
        self._accessor = accessor

    def __getattr__(self, name: str) -> Any:
        return self._accessor(name)

    def get(self, name: str, default: Any = None) -> Any:
        return self._accessor(name, default)


def ds_add(ds: str, days: int) -> str:
    """``macros.ds_add('2024-01-01', 5)`` -> '2024-01-06'."""
    return (dt.date.fromisoformat(ds) + dt.timedelta(days=days)).isoformat()


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    return dt.datetime.strptime(ds, input_format).strftime(output_format)


class Macros:
    """What ``macros.`` offers in a template."""

    ds_add = staticmethod(ds_add)
    ds_format = staticmethod(ds_format)
    datetime = dt.datetime
    timedelta = dt.timedelta
    date = dt.date


MACROS = Macros()
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def is_templated(value: Any) -> bool:
    """Whether a value (or anything inside a list/tuple/dict) holds Jinja."""
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, list | tuple):
        return any(is_templated(v) for v in value)
    if isinstance(value, dict):
        return any(is_templated(v) for v in value.values())
    return False


@lru_cache(maxsize=4096)
def _compiled(source: str) -> jinja2.Template:
    return _ENV.from_string(source)


def render(value: Any, context: Mapping[str, Any]) -> Any:
    """Render strings (also inside lists, tuples and dicts) against ``context``."""
    if isinstance(value, str):
        if "{{" not in value and "{%" not in value:
            return value
        try:
            return _compiled(value).render(context)
        except jinja2.TemplateError as exc:
            raise WeirError(f"template {value!r} failed: {exc}") from None
    if isinstance(value, list):
        return [render(v, context) for v in value]
    if isinstance(value, tuple):
        return tuple(render(v, context) for v in value)
    if isinstance(value, dict):
        return {k: render(v, context) for k, v in value.items()}
    return value


def unknown_names(source: str, extra: frozenset[str] = frozenset()) -> list[str]:
    """Names a template uses that no run will provide; raises WeirError on a syntax error."""
    try:
        ast = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise WeirError(f"template syntax error: {exc.message} (template line {exc.lineno})") from None
    return sorted(jinja2.meta.find_undeclared_variables(ast) - KNOWN_NAMES - extra)


def template_strings(value: Any) -> list[str]:
    """Every templated string inside a value."""
    if isinstance(value, str):
        return [value] if is_templated(value) else []
    if isinstance(value, list | tuple):
        return [s for v in value for s in template_strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in template_strings(v)]
    return []
