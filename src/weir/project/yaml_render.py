"""Jinja inside YAML files, as dbt renders it: ``{{ env_var('DB_SCHEMA') }}``,
``{{ var('day') }}`` and ``{{ target.name }}`` in profiles.yml, weir.yml, dbt_project.yml
and properties files.

Only strings holding ``{{`` or ``{%`` are rendered. A value that is one expression keeps
its type (``"{{ var('rows') }}"`` with ``rows: 5`` is the number 5, as in dbt). Keys
rendered later, with more context, are left alone: descriptions (``doc()``), tests,
hooks, ``vars``, and ``ingest:`` blocks (connection secrets are resolved only when
connecting, never stored).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from jinja2.nativetypes import NativeEnvironment

from weir.errors import CompilationError, ProjectError
from weir.sql.context import STATIC_GLOBALS

#: keys whose values are not rendered when the file is read
LATER = frozenset({
    "description", "tests", "data_tests", "vars", "ingest",
    "pre-hook", "post-hook", "pre_hook", "post_hook", "+pre-hook", "+post-hook", "+pre_hook", "+post_hook",
    "on-run-start", "on-run-end",
})
_MISSING = object()
_ENV = NativeEnvironment(undefined=jinja2.StrictUndefined)
_TEXT_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined)  # every result a string


def _var_function(values: Mapping[str, Any], path: str) -> Callable[..., Any]:
    def var(name: str, default: Any = _MISSING) -> Any:
        if name in values:
            return values[name]
        if default is not _MISSING:
            return default
        raise ProjectError(f"var {name!r} is not defined", path=path,
                           hint=f"pass it with --vars '{{{name}: ...}}' or give a default: var('{name}', ...)")
    return var


def render_yaml(data: Any, *, path: str, vars: Mapping[str, Any] | None = None,
                target: Mapping[str, Any] | None = None, skip: frozenset[str] = LATER, native: bool = True,
                where: str = "") -> Any:
    """``data`` (parsed YAML) with its Jinja strings rendered; raises naming ``path`` and the key
    (under ``where``). ``native=False`` keeps every rendered value a string (secrets such as '0123')."""
    context: dict[str, Any] = {"env_var": STATIC_GLOBALS["env_var"], "var": _var_function(vars or {}, path)}
    if target is not None:
        context["target"] = dict(target)

    env = _ENV if native else _TEXT_ENV

    def walk(value: Any, where: str) -> Any:
        if isinstance(value, str):
            return _render(env, value, context, path, where) if ("{{" in value or "{%" in value) else value
        if isinstance(value, dict):
            return {k: v if k in skip else walk(v, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    return walk(data, where)


def _render(env: jinja2.Environment, text: str, context: dict[str, Any], path: str, where: str) -> Any:
    try:
        return env.from_string(text).render(context)
    except CompilationError as exc:  # env_var of an unset variable
        raise ProjectError(f"{where}: {exc.message}", path=path,
                           hint="set the variable or give env_var() a default") from None
    except ProjectError:
        raise
    except jinja2.TemplateError as exc:
        raise ProjectError(f"{where}: cannot render {text!r}: {exc}", path=path,
                           hint="YAML values may use env_var(), var() and target") from None
