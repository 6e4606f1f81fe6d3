"""The Jinja environment with dbt's semantics: lazy macro lookup, ``return()``,
namespaces (``dbt_utils.star``) and ``adapter.dispatch``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jinja2
import jinja2.runtime
from jinja2 import nodes  # noqa: F401  (re-exported for extensions)

from weir.errors import CompilationError
from weir.sql.macros import MacroDef

SCOPE_KEY = "__weir_scope__"


class MacroReturn(Exception):
    """Raised by ``{{ return(x) }}``; caught by the macro call that raised it."""

    def __init__(self, value: Any) -> None:
        super().__init__("return")
        self.value = value


def do_return(value: Any = None) -> None:
    raise MacroReturn(value)


class _Context(jinja2.runtime.Context):
    """A Jinja context that falls back to the project's macros for unknown names."""

    def resolve_or_missing(self, key: str) -> Any:
        rv = super().resolve_or_missing(key)
        if rv is jinja2.runtime.missing:
            scope = self.parent.get(SCOPE_KEY)
            if scope is not None:
                found = scope.resolve(key)
                if found is not None:
                    return found
        return rv


class ParseUndefined(jinja2.Undefined):
    """While parsing, anything unknown is harmless: attribute access, calls, iteration."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> ParseUndefined:  # type: ignore[override]
        return self

    def __getitem__(self, _: Any) -> ParseUndefined:  # type: ignore[override]
        return self


def _as_bool(v: Any) -> bool:
    return str(v).strip().lower() in ("true", "1", "yes") if isinstance(v, str) else bool(v)


def _as_number(v: Any) -> Any:
    s = str(v).strip()
    try:
        return int(s)
    except ValueError:
        return float(s)


def make_environment(*, parse: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
        undefined=ParseUndefined if parse else jinja2.Undefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.context_class = _Context
    env.filters.update(
        as_bool=_as_bool,
        as_native=lambda v: v,
        as_number=_as_number,
        as_text=lambda v: "" if v is None else str(v),
    )
    return env


class MacroCall:
    """A macro as dbt exposes it: calling it returns ``return()``'s value, or its text."""

    def __init__(self, macro: Any, definition: MacroDef) -> None:
        self.macro = macro
        self.definition = definition
        self.name = definition.name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.macro(*args, **kwargs)
        except MacroReturn as r:
            return r.value

    def __repr__(self) -> str:
        return f"<macro {self.definition.package}.{self.name}>"


class MacroRegistry:
    """Every macro of the project, its packages and weir's built-ins, compiled lazily."""

    def __init__(
        self,
        env: jinja2.Environment,
        *,
        root_package: str,
        packages: Mapping[str, Iterable[MacroDef]],
        dispatch_order: Mapping[str, list[str]] | None = None,
        adapter_type: str = "duckdb",
    ) -> None:
        self.env = env
        #: ``adapter.type()``; dispatch looks for ``<adapter_type>__`` macros first
        self.adapter_type = adapter_type
        self.root_package = root_package
        self.by_package: dict[str, dict[str, MacroDef]] = {}
        for pkg, macros in packages.items():
            bucket = self.by_package.setdefault(pkg, {})
            for m in macros:
                bucket[m.name] = m
        self.dispatch_order = dict(dispatch_order or {})
        self._templates: dict[tuple[str, str], jinja2.Template] = {}

    def template(self, m: MacroDef) -> jinja2.Template:
        key = (m.package, m.name)
        tpl = self._templates.get(key)
        if tpl is None:
            from weir.sql.compile import compiled_code

            code = compiled_code(self.env, m.source, m.path)
            tpl = self.env.template_class.from_code(self.env, code, self.env.make_globals(None))
            self._templates[key] = tpl
        return tpl

    def find(self, name: str, packages: Iterable[str]) -> MacroDef | None:
        for pkg in packages:
            m = self.by_package.get(pkg, {}).get(name)
            if m is not None:
                return m
        return None

    def all_names(self) -> set[str]:
        return {n for b in self.by_package.values() for n in b}

    def suggest(self, name: str) -> str | None:
        close = difflib.get_close_matches(name, self.all_names(), n=1)
        return close[0] if close else None


class Namespace:
    """``dbt_utils.<macro>``: macros of one package, resolved in a render scope."""

    def __init__(self, scope: RenderScope, packages: list[str]) -> None:
        self._scope = scope
        self._packages = packages

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        found = self._scope.macro(name, self._packages)
        if found is None:
            raise CompilationError(f"macro {self._packages[0]}.{name} does not exist")
        return found

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)


class RenderScope:
    """One render: the context dict plus lazily bound macros."""

    def __init__(
        self,
        registry: MacroRegistry,
        context: dict[str, Any],
        *,
        node_package: str | None = None,
        extra: Callable[[str], Any] | None = None,
    ) -> None:
        self.registry = registry
        self.context = context
        self.node_package = node_package
        self.extra = extra
        self._bound: dict[tuple[str, str], MacroCall] = {}
        context[SCOPE_KEY] = self
        order = [registry.root_package]
        if node_package and node_package != registry.root_package:
            order.append(node_package)
        order.append("dbt")
        self.search = order

    def macro(self, name: str, packages: Iterable[str]) -> MacroCall | None:
        m = self.registry.find(name, packages)
        if m is None:
            return None
        key = (m.package, m.name)
        bound = self._bound.get(key)
        if bound is None:
            # like Template.make_module, but reading the context's vars: Jinja does not
            # export macros whose names start with "_" (dbt_utils._is_relation)
            tpl = self.registry.template(m)
            ctx = tpl.new_context(self.context)
            for _ in tpl.root_render_func(ctx):
                pass
            bound = MacroCall(ctx.vars[m.name], m)
            self._bound[key] = bound
        return bound

    def namespace_packages(self, name: str) -> list[str] | None:
        if name == "dbt":
            return ["dbt"]
        if name in self.registry.by_package:
            return [name]
        return None

    def resolve(self, key: str) -> Any:
        found = self.macro(key, self.search)
        if found is not None:
            return found
        pkgs = self.namespace_packages(key)
        if pkgs is not None:
            return Namespace(self, pkgs)
        if self.extra is not None:
            return self.extra(key)
        return None

    def dispatch(self, macro_name: str, macro_namespace: str | None = None, packages: Any = None) -> MacroCall:
        namespace = macro_namespace or "dbt"
        search = list(self.registry.dispatch_order.get(namespace, []))
        if not search:
            search = [self.registry.root_package]
            search += self.namespace_packages(namespace) or [namespace]
            if "dbt" not in search:
                search.append("dbt")
        for prefix in (f"{self.registry.adapter_type}__", "default__", ""):
            found = self.macro(prefix + macro_name, search)
            if found is not None:
                return found
        raise CompilationError(
            f"no implementation of {namespace}.{macro_name} for adapter {self.registry.adapter_type} "
            f"(looked for {self.registry.adapter_type}__{macro_name} and default__{macro_name} in {', '.join(search)})"
        )
