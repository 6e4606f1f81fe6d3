"""Loading ``@asset`` functions: the files under a package's asset paths are imported and
each definition becomes an ``asset`` node whose parents are named by its parameters."""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import inspect
import re
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

from weir.assets import MATERIALIZATIONS, AssetDefinition
from weir.errors import ConfigError, ProjectError, WeirError
from weir.graph import Node
from weir.project.configs import merge
from weir.project.package import Package
from weir.project.properties import Properties
from weir.project.validate import CHOICES

if TYPE_CHECKING:
    from weir.project.loader import _Loader

CONTEXT = "context"  # the parameter that receives an AssetContext instead of rows
REFABLE = ("model", "seed", "snapshot", "asset")
#: (top-level module, class name) of an annotation -> the form an input arrives in
INPUT_FORMS = {("pyarrow", "Table"): "arrow", ("pandas", "DataFrame"): "pandas", ("polars", "DataFrame"): "polars"}
_MODULE_PREFIX = "_weir_assets"  # asset modules live under this name in sys.modules, never top level
_IMPORT_LOCK = threading.RLock()


@dataclass(frozen=True)
class Param:
    """One parameter of an asset function: where its rows come from and in what form."""

    name: str
    form: str  # arrow | pandas | polars | context
    upstream: str | None = None  # unique id of the node read


@dataclass(frozen=True)
class LoadedAsset:
    """An asset definition with its parameters resolved to graph nodes."""

    definition: AssetDefinition
    params: tuple[Param, ...]
    path: str
    line: int


def asset_paths(pkg: Package, settings_paths: list[str] | None) -> list[str]:
    """Folders of asset files: weir.yml's ``asset-paths`` (root project), else the
    package's dbt_project.yml ``asset-paths``, else ``["assets"]``."""
    if pkg.is_root and settings_paths is not None:
        return list(settings_paths)
    value = pkg.config.get("asset-paths", ["assets"])
    return [str(v) for v in ([value] if isinstance(value, str) else value or [])]


def load_assets(loader: _Loader, props: dict[str, Properties]) -> dict[str, LoadedAsset]:
    """Import every asset file, add the asset nodes to the loader; unique id -> LoadedAsset."""
    found: list[tuple[Package, str, str, AssetDefinition]] = []  # (package, rel path, base, definition)
    for pkg in loader.packages.values():
        for base in asset_paths(pkg, loader.settings.asset_paths):
            for file, rel in loader._files(pkg, [base], (".py",)):
                module = _import(file, rel, pkg.name)
                seen: set[int] = set()
                for value in list(vars(module).values()):
                    if isinstance(value, AssetDefinition) and value.fn.__module__ == module.__name__ \
                            and id(value) not in seen:
                        seen.add(id(value))
                        found.append((pkg, rel, base, value))
    if not found:
        return {}
    index = _Index(loader, [(pkg.name, d.name) for pkg, _, _, d in found])
    out: dict[str, LoadedAsset] = {}
    for pkg, rel, base, definition in found:
        line = _def_line(definition)
        uid = f"asset.{pkg.name}.{definition.name}"
        clash = index.refable.get((pkg.name, definition.name))
        if clash and not clash.startswith("asset."):
            other = loader.nodes[clash]
            raise ProjectError(f"asset {definition.name!r} has the name of {other.resource_type} {other.path}",
                               path=rel, line=line, hint="rename one of them, or give the asset name='...'")
        fqn = (pkg.name, *Path(rel).relative_to(base).parent.parts, definition.name)
        patch = props[pkg.name].patches.get(("models", definition.name))
        config = _config(loader, pkg, fqn, patch.config if patch else {}, definition, rel, line)
        params, deps = _resolve(index, definition, pkg.name, rel, line) if config.get("enabled", True) else ((), ())
        out[uid] = LoadedAsset(definition, params, rel, line)
        loader._add(Node(
            unique_id=uid, name=definition.name, resource_type="asset", package=pkg.name, path=rel,
            root_path=str(pkg.root), raw_code=_source(definition), language="python", config=config, fqn=fqn,
            description=definition.description or (patch.description if patch else ""),
            columns=tuple(patch.columns) if patch else (), depends_on=deps, line=line,
        ))
    return out


# -- importing ---------------------------------------------------------------------------
def _import(file: Path, rel: str, package: str) -> ModuleType:
    """Run an asset file as a module registered under a private dotted name (it can
    neither shadow nor be shadowed by the user's own packages)."""
    digest = hashlib.sha1(str(file).encode()).hexdigest()[:8]
    name = f"{_MODULE_PREFIX}.{package}.{re.sub(r'[^0-9A-Za-z_]', '_', rel[:-3])}_{digest}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ProjectError("cannot import this asset file", path=rel)
    module = importlib.util.module_from_spec(spec)
    try:
        with _IMPORT_LOCK:  # two threads loading one project must not swap each other's module
            sys.modules[name] = module  # dataclasses and typing look modules up while they run
            spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise ProjectError(f"Python syntax error: {exc.msg}", path=rel, line=exc.lineno) from None
    except WeirError as exc:
        sys.modules.pop(name, None)
        if exc.path in (None, str(file)):
            exc.path = rel
        raise
    except Exception as exc:  # the user's module failed at import: point at its line
        sys.modules.pop(name, None)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(file)]
        raise ProjectError(f"importing the asset file raised {type(exc).__name__}: {exc}", path=rel,
                           line=frames[-1].lineno if frames else None) from exc
    return module


def _def_line(definition: AssetDefinition) -> int:
    """Line of the ``def`` (the code object starts at the first decorator)."""
    try:
        lines, start = inspect.getsourcelines(definition.fn)
    except OSError:
        return int(definition.fn.__code__.co_firstlineno)
    for i, text in enumerate(lines):
        if text.lstrip().startswith(("def ", "async def ")):
            return start + i
    return start


def _source(definition: AssetDefinition) -> str:
    try:
        return inspect.getsource(definition.fn)
    except OSError:  # no source on disk: the bytecode stands for it
        return definition.fn.__code__.co_code.hex()


# -- config ------------------------------------------------------------------------------
def _config(loader: _Loader, pkg: Package, fqn: tuple[str, ...], patch: dict[str, Any],
            definition: AssetDefinition, rel: str, line: int) -> dict[str, Any]:
    """dbt_project.yml's ``models:`` tree < properties ``config:`` < the decorator's options."""
    project = loader._project_config("models", pkg, fqn)
    if project.get("materialized") not in (None, *MATERIALIZATIONS):
        del project["materialized"]  # a folder's `+materialized: view` is meant for SQL models
    config = merge(merge(project, patch), definition.config)
    config.setdefault("materialized", "table")
    choices = {**CHOICES["model"], "materialized": MATERIALIZATIONS}
    for key, allowed in choices.items():
        value = config.get(key)
        if value is not None and str(value) not in allowed:
            close = difflib.get_close_matches(str(value), allowed, n=1)
            raise ConfigError(f"invalid value {value!r} for config {key!r} of asset {definition.name!r}",
                              path=rel, line=line,
                              hint=(f"did you mean {close[0]!r}? " if close else "") + f"allowed: {', '.join(allowed)}")
    return config


# -- resolving parameters -----------------------------------------------------------------
class _Index:
    """Names an asset can ask for: models, seeds, snapshots and assets by (package, name),
    sources by ``<source>__<table>``."""

    def __init__(self, loader: _Loader, assets: list[tuple[str, str]]) -> None:
        self.packages = [loader.root_pkg.name, *loader.packages]
        self.refable: dict[tuple[str, str], str] = {}
        self.disabled: set[str] = set()
        self.sources: dict[tuple[str, str], str] = {}
        for uid, n in loader.nodes.items():
            if n.resource_type in REFABLE:
                if n.enabled:
                    self.refable[(n.package, n.name)] = uid
                else:
                    self.disabled.add(n.name)
            elif n.resource_type == "source":
                self.sources[(n.source_name or "", n.name)] = uid
        for pkg, name in assets:
            self.refable.setdefault((pkg, name), f"asset.{pkg}.{name}")

    def ref(self, name: str, package: str, explicit: str | None = None) -> str | None:
        for candidate in [explicit] if explicit else [package, *self.packages]:
            uid = self.refable.get((candidate, name))
            if uid:
                return uid
        return None

    def source_param(self, name: str) -> str | None:
        for (src, table), uid in self.sources.items():
            if name == f"{src}__{table}":
                return uid
        return None

    def spec(self, spec: str, package: str) -> str | None:
        """``name``, ``package.name`` or ``source:src.table``."""
        if spec.startswith("source:"):
            src, _, table = spec[len("source:"):].partition(".")
            return self.sources.get((src, table))
        pkg, _, name = spec.rpartition(".")
        return self.ref(name, package, pkg or None)

    def suggestions(self, name: str) -> list[str]:
        names = {n for _, n in self.refable} | {f"{s}__{t}" for s, t in self.sources}
        return difflib.get_close_matches(name, sorted(names), n=1)


def _resolve(index: _Index, definition: AssetDefinition, package: str, rel: str, line: int
             ) -> tuple[tuple[Param, ...], tuple[str, ...]]:
    fn = definition.fn
    params: list[Param] = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise ProjectError(f"asset {definition.name!r}: parameter {p.name!r} must be a plain named parameter",
                               path=rel, line=line, hint="every parameter names one upstream table")
        if p.name in definition.ins:
            uid = index.spec(definition.ins[p.name], package)
            if uid is None:
                _unknown(index, definition, definition.ins[p.name], rel, line, f"ins[{p.name!r}] names ")
            params.append(Param(p.name, _form(p, definition, rel, line), uid))
        elif p.name == CONTEXT:
            params.append(Param(p.name, "context"))
        else:
            uid = index.ref(p.name, package) or index.source_param(p.name)
            if uid is None:
                _unknown(index, definition, p.name, rel, line, "parameter ")
            params.append(Param(p.name, _form(p, definition, rel, line), uid))
    deps: list[str] = [p.upstream for p in params if p.upstream]
    for spec in definition.deps:
        uid = index.spec(spec, package)
        if uid is None:
            _unknown(index, definition, spec, rel, line, "deps names ")
        deps.append(uid)
    unknown_ins = set(definition.ins) - {p.name for p in params}
    if unknown_ins:
        raise ProjectError(f"asset {definition.name!r}: ins names {sorted(unknown_ins)}, which are not parameters",
                           path=rel, line=line)
    return tuple(params), tuple(dict.fromkeys(deps))


def _unknown(index: _Index, definition: AssetDefinition, name: str, rel: str, line: int, what: str) -> NoReturn:
    close = index.suggestions(name.removeprefix("source:").replace(".", "__"))
    if name in index.disabled:
        hint = f"{name!r} is disabled"
    elif close:
        hint = f"did you mean {close[0]!r}?"
    else:
        hint = ("parameters name models, seeds, snapshots or assets, or sources as <source>__<table>; "
                "use ins={'param': 'source:src.table'} to map another name")
    raise ProjectError(f"asset {definition.name!r}: {what}{name!r}, which is no model, seed, snapshot, asset "
                       "or source", path=rel, line=line, hint=hint)


def _form(p: inspect.Parameter, definition: AssetDefinition, rel: str, line: int) -> str:
    """How an input arrives, from the parameter's annotation (Arrow when there is none)."""
    ann = p.annotation
    if ann is inspect.Parameter.empty:
        return "arrow"
    if isinstance(ann, str):  # `from __future__ import annotations`: look the name up
        resolved = _lookup(ann, definition.fn.__globals__)
        text = ann
    else:
        resolved, text = ann, getattr(ann, "__qualname__", repr(ann))
    if resolved is not None:
        key = (str(getattr(resolved, "__module__", "")).split(".")[0], getattr(resolved, "__name__", ""))
    else:  # not importable here: go by how it is spelled
        head, _, tail = ann.rpartition(".")
        key = ({"pd": "pandas", "pl": "polars", "pa": "pyarrow"}.get(head, head), tail)
    form = INPUT_FORMS.get(key)
    if form is None:
        raise ProjectError(f"asset {definition.name!r}: parameter {p.name!r} is annotated {text}",
                           path=rel, line=line,
                           hint="inputs arrive as pyarrow.Table (default), pandas.DataFrame or polars.DataFrame")
    return form


def _lookup(text: str, namespace: dict[str, Any]) -> Any:
    head, *rest = text.strip().split(".")
    value = namespace.get(head)
    for part in rest:
        value = getattr(value, part, None)
    return value


__all__ = ["CONTEXT", "LoadedAsset", "Param", "asset_paths", "load_assets"]
