"""Rendering a node's Jinja text to SQL, with errors that name the file and line."""

from __future__ import annotations

import re
import traceback
from typing import Any

import jinja2

from weir.errors import CompilationError, WeirError
from weir.sql.render import MacroReturn

_CODE_CACHE: dict[tuple[str, str], Any] = {}
_TEMPLATE_CACHE: dict[tuple[int, str, str], jinja2.Template] = {}


def compiled_code(env: jinja2.Environment, text: str, path: str) -> Any:
    """Jinja's compiled code for a source; the parse and run environments share the same
    syntax settings, so each text is compiled once per process."""
    key = (path, text)
    code = _CODE_CACHE.get(key)
    if code is None:
        try:
            code = env.compile(text, name=path, filename=path)
        except jinja2.TemplateSyntaxError as exc:
            raise CompilationError(f"Jinja syntax error: {exc.message}", path=path, line=exc.lineno) from None
        _CODE_CACHE[key] = code
    return code


def template(env: jinja2.Environment, text: str, path: str) -> jinja2.Template:
    key = (id(env), path, text)
    tpl = _TEMPLATE_CACHE.get(key)
    if tpl is None:
        tpl = env.template_class.from_code(env, compiled_code(env, text, path), env.make_globals(None))
        _TEMPLATE_CACHE[key] = tpl
    return tpl


def _where(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback (compiled templates carry
    the project file's path as their code filename; weir's own frames are .py files)."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if not frame.filename.endswith(".py") and not frame.filename.startswith("<"):
            found = (frame.filename, frame.lineno)
    return found


def render(env: jinja2.Environment, text: str, ctx: dict[str, Any], *, path: str, node: str | None = None) -> str:
    """Render ``text`` with ``ctx``; any failure becomes a CompilationError with file:line."""
    tpl = template(env, text, path)
    try:
        return tpl.render(ctx)
    except MacroReturn as r:
        return "" if r.value is None else str(r.value)
    except WeirError as exc:
        if exc.path is None:
            exc.path, exc.line = _where(exc)
            exc.path = exc.path or path
        exc.node = exc.node or node
        raise
    except jinja2.UndefinedError as exc:
        where, line = _where(exc)
        raise CompilationError(f"{exc.message}", path=where or path, line=line, node=node) from None
    except jinja2.TemplateError as exc:
        where, line = _where(exc)
        raise CompilationError(f"Jinja error: {exc}", path=where or path, line=line, node=node) from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError) as exc:
        where, line = _where(exc)
        raise CompilationError(
            f"{type(exc).__name__} while rendering: {exc}", path=where or path, line=line, node=node
        ) from None


def render_value(env: jinja2.Environment, value: Any, ctx: dict[str, Any], *, path: str) -> Any:
    """Render Jinja inside YAML values (strings, lists, dicts), keeping other types."""
    if isinstance(value, str):
        if "{{" not in value and "{%" not in value:
            return value
        out = render(env, value, ctx, path=path)
        low = out.strip().lower()
        if low in ("true", "false"):
            return low == "true"
        if low in ("none", "null") :
            return None
        return out
    if isinstance(value, list):
        return [render_value(env, v, ctx, path=path) for v in value]
    if isinstance(value, dict):
        return {k: render_value(env, v, ctx, path=path) for k, v in value.items()}
    return value


_WHOLE_EXPR = re.compile(r"^\s*\{\{(.*)\}\}\s*$", re.S)


def render_native(env: jinja2.Environment, value: Any, ctx: dict[str, Any], *, path: str, node: str | None = None
                  ) -> Any:
    """Like dbt's native rendering of test arguments: a string that is one ``{{ expr }}``
    evaluates to the expression's Python value (a list stays a list)."""
    if isinstance(value, str):
        m = _WHOLE_EXPR.match(value)
        if m and "}}" not in m.group(1) and "{{" not in m.group(1):
            text = "{% do __weir_out.append(" + m.group(1).strip() + ") %}"
            out: list[Any] = []
            render(env, text, {**ctx, "__weir_out": out}, path=path, node=node)
            return out[0] if out else None
        if "{{" in value or "{%" in value:
            return render(env, value, ctx, path=path, node=node)
        return value
    if isinstance(value, list):
        return [render_native(env, v, ctx, path=path, node=node) for v in value]
    if isinstance(value, dict):
        return {k: render_native(env, v, ctx, path=path, node=node) for k, v in value.items()}
    return value
