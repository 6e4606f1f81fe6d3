"""Loading a dbt-style project: files -> parsed nodes -> graph -> relation names."""

from __future__ import annotations

import ast
import difflib
import functools
import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weir.config import Target, WeirSettings
from weir.errors import CompilationError, GraphError, ProjectError
from weir.graph import Column, Graph, Node, TestSpec
from weir.project.assets import LoadedAsset, asset_paths, load_assets
from weir.project.configs import folder_config, merge
from weir.project.package import Package, installed_packages, read_package, scoped_vars
from weir.project.properties import Patch, Properties, SourceTable, TestEntry, read_properties
from weir.project.streams import stream_sources
from weir.project.targets import resolve_target
from weir.project.validate import validate_node
from weir.project.yaml_render import render_yaml
from weir.sql.compile import render
from weir.sql.context import Capture, NodeContextSpec, build_context
from weir.sql.macros import MacroDef, builtin_macros, load_macro_files, split_macros
from weir.sql.relation import Relation, ephemeral_name
from weir.sql.render import MacroRegistry, make_environment

log = logging.getLogger("weir.project")
_SNAPSHOT_BLOCK = re.compile(r"\{%-?\s*snapshot\s+(\w+)\s*-?%\}(.*?)\{%-?\s*endsnapshot\s*-?%\}", re.S)
REF_EXPR = re.compile(r"^\s*(ref|source)\s*\(.*\)\s*$", re.S)  # a test argument naming a relation
TEST_CONFIG_KEYS = ("severity", "tags", "enabled", "where", "limit", "warn_if", "error_if", "fail_calc",
                    "store_failures", "store_failures_as", "meta", "database", "schema", "alias")


@dataclass
class Project:
    """A loaded project: its nodes, relations, macros and target."""

    root: Path
    name: str
    target: Target
    settings: WeirSettings
    packages: dict[str, Package]
    graph: Graph
    relations: dict[str, Relation]
    vars: dict[str, Any]
    cli_vars: dict[str, Any]
    docs: dict[str, str]
    macros: dict[str, list[MacroDef]]
    dispatch: dict[str, list[str]] = field(default_factory=dict)
    refs: dict[tuple[str, str], str] = field(default_factory=dict)
    sources: dict[tuple[str, str], str] = field(default_factory=dict)
    #: @asset functions by unique id (their nodes are in the graph)
    assets: dict[str, LoadedAsset] = field(default_factory=dict)

    @property
    def root_package(self) -> Package:
        return self.packages[self.name]

    @property
    def state_dir(self) -> Path:
        return self.root / ".weir"

    @property
    def target_dir(self) -> Path:
        return self.root / str(self.root_package.config.get("target-path", "target"))

    def node(self, uid: str) -> Node:
        return self.graph.nodes[uid]

    def find(self, name: str) -> Node:
        """A node by name (model, seed, snapshot, test) with a did-you-mean on failure."""
        for n in self.graph:
            if n.name == name and n.resource_type not in ("source", "ingest"):
                return n
        for n in self.graph:
            if n.resource_type == "source" and f"{n.source_name}.{n.name}" == name:
                return n
        names = sorted({n.name for n in self.graph})
        close = difflib.get_close_matches(name, names, n=1)
        raise GraphError(f"no node named {name!r}", hint=f"did you mean {close[0]!r}?" if close else None)


class _Loader:
    def __init__(self, root: Path, target_name: str | None, cli_vars: dict[str, Any], profiles_dir: Path | None):
        self.root = root.resolve()
        self.cli_vars = cli_vars
        self.root_pkg = read_package(self.root, is_root=True, cli_vars=cli_vars)
        self.packages = {self.root_pkg.name: self.root_pkg}
        for pkg in installed_packages(self.root_pkg, cli_vars):
            self.packages.setdefault(pkg.name, pkg)
        self.target, self.settings = resolve_target(self.root, self.root_pkg, target_name, profiles_dir, cli_vars)
        self.parse_env = make_environment(parse=True)
        self.nodes: dict[str, Node] = {}
        self.captures: dict[str, Capture] = {}
        self.docs: dict[str, str] = {}
        self.macros: dict[str, list[MacroDef]] = {}
        self.assets: dict[str, LoadedAsset] = {}

    # -- macros ------------------------------------------------------------------
    def load_macros(self) -> None:
        for pkg in self.packages.values():
            folders = [pkg.root / p for p in pkg.macro_paths]
            folders += [pkg.root / p / "generic" for p in pkg.test_paths]
            mf = load_macro_files(folders, package=pkg.name, root=pkg.root)
            self.macros[pkg.name] = mf.macros
            self.docs.update(mf.docs)
            for docs_dir in pkg.docs_paths:
                for md in sorted((pkg.root / docs_dir).rglob("*.md")) if (pkg.root / docs_dir).is_dir() else []:
                    part = split_macros(md.read_text(encoding="utf-8"), package=pkg.name,
                                        path=str(md.relative_to(pkg.root)))
                    self.docs.update(part.docs)
        for ns, mf in builtin_macros().items():
            if ns in self.packages:  # an installed dbt_utils wins over weir's built-in one
                continue
            self.macros[ns] = mf.macros

    def dispatch_order(self) -> dict[str, list[str]]:
        out = {}
        for entry in self.root_pkg.config.get("dispatch") or []:
            out[str(entry["macro_namespace"])] = [str(p) for p in entry.get("search_order", [])]
        return out

    def registry(self, env: Any) -> MacroRegistry:
        return MacroRegistry(env, root_package=self.root_pkg.name, packages=self.macros,
                             dispatch_order=self.dispatch_order())

    # -- files -------------------------------------------------------------------
    def _files(self, pkg: Package, paths: list[str], suffixes: tuple[str, ...]) -> Iterator[tuple[Path, str]]:
        for p in paths:
            base = pkg.root / p
            if not base.is_dir():
                continue
            for f in sorted(base.rglob("*")):
                # hidden files and folders inside the project are skipped, wherever the project lives
                if f.is_file() and f.suffix in suffixes and not any(
                        part.startswith(".") for part in f.relative_to(base).parts):
                    yield f, str(f.relative_to(pkg.root))

    def properties(self) -> dict[str, Properties]:
        out = {}
        for pkg in self.packages.values():
            files = list(self._files(pkg, pkg.model_paths + pkg.seed_paths + pkg.snapshot_paths + pkg.analysis_paths
                                     + asset_paths(pkg, self.settings.asset_paths), (".yml", ".yaml")))
            out[pkg.name] = read_properties(files, functools.partial(self._render_yaml, pkg.name))
        return out

    # -- parsing ------------------------------------------------------------------
    def _project_config(self, kind: str, pkg: Package, fqn: tuple[str, ...]) -> dict[str, Any]:
        config = folder_config(pkg.config.get(kind), fqn)
        if not pkg.is_root:  # the root project's settings for a package override its own
            config = merge(config, folder_config(self.root_pkg.config.get(kind), fqn))
        return config

    def _parse_render(self, text: str, pkg: Package, path: str, base_config: dict[str, Any], name: str,
                      registry: MacroRegistry) -> Capture:
        capture = Capture()
        spec = NodeContextSpec(
            package=pkg.name, project_name=self.root_pkg.name, target=self._target_ctx(),
            vars=self._vars(pkg.name), config=dict(base_config), execute=False,
            this=Relation(schema=self.target.schema, identifier=name), model={"name": name},
            docs=self.docs,
        )
        ctx, _ = build_context(spec, registry, None, capture)
        render(self.parse_env, text, ctx, path=str(pkg.root / path) if not pkg.is_root else path, node=name)
        return capture

    def _render_yaml(self, package: str, data: Any, path: str) -> Any:
        return render_yaml(data, path=path, vars=self._vars(package), target=self._target_ctx())

    def _vars(self, package: str) -> dict[str, Any]:
        return scoped_vars(self.packages, self.root_pkg, package, self.cli_vars)

    def _target_ctx(self) -> dict[str, Any]:
        data = self.target.redacted()
        data.setdefault("profile_name", str(self.root_pkg.config.get("profile") or self.root_pkg.name))
        data["schema"] = self.target.schema
        data["target_name"] = self.target.name
        return data

    def _add(self, node: Node) -> None:
        if node.unique_id in self.nodes:
            other = self.nodes[node.unique_id]
            raise ProjectError(
                f"two {node.resource_type}s are named {node.name!r}: {other.path} and {node.path}",
                path=node.path, hint="rename one of them or give it an alias",
            )
        self.nodes[node.unique_id] = node

    def parse(self) -> None:
        registry = self.registry(self.parse_env)
        props = self.properties()
        for pkg in self.packages.values():
            pprops = props[pkg.name]
            self._parse_models(pkg, pprops, registry)
            self._parse_seeds(pkg, pprops)
            self._parse_snapshots(pkg, pprops, registry)
            self._parse_singular_tests(pkg, registry)
            self._parse_sources(pkg, pprops)
        self.assets = load_assets(self, props)  # after the rest: parameters name other nodes
        for pkg in self.packages.values():
            self._generic_tests(pkg, props[pkg.name], registry)

    def _fqn(self, pkg: Package, rel: str, base: str, name: str) -> tuple[str, ...]:
        folders = Path(rel).relative_to(base).parent.parts
        return (pkg.name, *folders, name)

    def _patch_config(self, patch: Patch | None) -> dict[str, Any]:
        return dict(patch.config) if patch else {}

    def _parse_models(self, pkg: Package, props: Properties, registry: MacroRegistry) -> None:
        for base in pkg.model_paths:
            for file, rel in self._files(pkg, [base], (".sql", ".py")):
                name = file.stem
                fqn = self._fqn(pkg, rel, base, name)
                patch = props.patches.get(("models", name))
                config = merge(self._project_config("models", pkg, fqn), self._patch_config(patch))
                text = file.read_text(encoding="utf-8")
                if file.suffix == ".py":
                    capture = _parse_python_model(text, rel)
                    language = "python"
                else:
                    capture = self._parse_render(text, pkg, rel, config, name, registry)
                    language = "sql"
                config = merge(config, capture.config)
                config.setdefault("materialized", "table" if language == "python" else "view")
                uid = f"model.{pkg.name}.{name}"
                self.captures[uid] = capture
                self._add(Node(
                    unique_id=uid, name=name, resource_type="model", package=pkg.name, path=rel,
                    root_path=str(pkg.root), raw_code=text, language=language, config=config, fqn=fqn,
                    description=patch.description if patch else "",
                    columns=tuple(patch.columns) if patch else (),
                ))

    def _parse_seeds(self, pkg: Package, props: Properties) -> None:
        for base in pkg.seed_paths:
            for file, rel in self._files(pkg, [base], (".csv",)):
                name = file.stem
                fqn = self._fqn(pkg, rel, base, name)
                patch = props.patches.get(("seeds", name))
                config = merge(self._project_config("seeds", pkg, fqn), self._patch_config(patch))
                self._add(Node(
                    unique_id=f"seed.{pkg.name}.{name}", name=name, resource_type="seed", package=pkg.name,
                    path=rel, root_path=str(pkg.root), config=config, fqn=fqn,
                    description=patch.description if patch else "",
                    columns=tuple(patch.columns) if patch else (),
                ))

    def _parse_snapshots(self, pkg: Package, props: Properties, registry: MacroRegistry) -> None:
        for base in pkg.snapshot_paths:
            for file, rel in self._files(pkg, [base], (".sql",)):
                text = file.read_text(encoding="utf-8")
                for m in _SNAPSHOT_BLOCK.finditer(text):
                    name, body = m.group(1), m.group(2)
                    lead = "\n" * text.count("\n", 0, m.start(2))
                    fqn = (*self._fqn(pkg, rel, base, file.stem)[:-1], file.stem, name)  # dbt: file then block
                    patch = props.patches.get(("snapshots", name))
                    config = merge(self._project_config("snapshots", pkg, fqn), self._patch_config(patch))
                    capture = self._parse_render(lead + body, pkg, rel, config, name, registry)
                    config = merge(config, capture.config)
                    uid = f"snapshot.{pkg.name}.{name}"
                    self.captures[uid] = capture
                    self._add(Node(
                        unique_id=uid, name=name, resource_type="snapshot", package=pkg.name, path=rel,
                        root_path=str(pkg.root), raw_code=lead + body, config=config, fqn=fqn,
                        description=patch.description if patch else "",
                        columns=tuple(patch.columns) if patch else (),
                    ))

        for entry in props.snapshots_yaml:
            name = str(entry["name"])
            rel = str(entry["__path"])
            fqn = (pkg.name, *Path(rel).parent.parts[1:], name)
            patch = props.patches.get(("snapshots", name))
            config = merge(self._project_config("snapshots", pkg, fqn), self._patch_config(patch))
            expr = str(entry["relation"]).strip()
            body = expr if expr.startswith("{{") else "{{ " + expr + " }}"
            code = f"select * from {body}"
            capture = self._parse_render(code, pkg, rel, config, name, registry)
            uid = f"snapshot.{pkg.name}.{name}"
            self.captures[uid] = capture
            self._add(Node(
                unique_id=uid, name=name, resource_type="snapshot", package=pkg.name, path=rel,
                root_path=str(pkg.root), raw_code=code, config=merge(config, capture.config), fqn=fqn,
                description=patch.description if patch else "",
                columns=tuple(patch.columns) if patch else (), line=patch.line if patch else None,
            ))

    def _parse_singular_tests(self, pkg: Package, registry: MacroRegistry) -> None:
        for base in pkg.test_paths:
            for file, rel in self._files(pkg, [base], (".sql",)):
                if "generic" in Path(rel).relative_to(base).parts[:-1]:
                    continue
                name = file.stem
                text = file.read_text(encoding="utf-8")
                fqn = self._fqn(pkg, rel, base, name)
                config = self._project_config("data_tests", pkg, fqn) or self._project_config("tests", pkg, fqn)
                capture = self._parse_render(text, pkg, rel, config, name, registry)
                config = merge(config, capture.config)
                uid = f"test.{pkg.name}.{name}"
                self.captures[uid] = capture
                self._add(Node(
                    unique_id=uid, name=name, resource_type="test", package=pkg.name, path=rel,
                    root_path=str(pkg.root), raw_code=text, config=config, fqn=fqn,
                    test=TestSpec("singular"),
                ))

    def _parse_sources(self, pkg: Package, props: Properties) -> None:
        # stream nodes' tables (streams/*.yml) are sources of `streams`: source('streams', name)
        streams = stream_sources(pkg.root, pkg.config.get("stream-paths"), self.target.schema,
                                 self._vars(pkg.name)) if pkg.is_root else []
        for st in props.sources + streams:
            folders = _yaml_folders(pkg, st.path)
            fqn = (pkg.name, *folders, st.source_name, st.name)
            config = merge(self._project_config("sources", pkg, fqn), st.config)
            if "external_location" in st.meta and "external_location" not in config:
                config["external_location"] = st.meta["external_location"]
            if st.meta:
                config["meta"] = {**(config.get("meta") or {}), **st.meta}
            config.update(schema=st.schema, identifier=st.identifier)
            if st.database:
                config["database"] = st.database
            if st.loaded_at_field:
                config["loaded_at_field"] = st.loaded_at_field
            ingest_uid = self._add_ingest(pkg, st, fqn)
            self._add(Node(
                unique_id=f"source.{pkg.name}.{st.source_name}.{st.name}", name=st.name,
                resource_type="source", package=pkg.name, path=st.path, root_path=str(pkg.root),
                config=config, fqn=fqn, description=st.description,
                columns=tuple(st.columns), source_name=st.source_name, line=st.line,
                depends_on=(ingest_uid,) if ingest_uid else (),
            ))

    def _add_ingest(self, pkg: Package, st: SourceTable, fqn: tuple[str, ...]) -> str | None:
        """An ``ingest`` node upstream of a source whose YAML has an ``ingest:`` block."""
        if st.ingest is None:
            return None
        uid = f"ingest.{pkg.name}.{st.source_name}.{st.name}"
        self._add(Node(
            unique_id=uid, name=f"{st.source_name}.{st.name}", resource_type="ingest", package=pkg.name,
            path=st.path, root_path=str(pkg.root), fqn=fqn, source_name=st.source_name, line=st.line,
            config={"ingest": st.ingest, "source": f"source.{pkg.name}.{st.source_name}.{st.name}",
                    "tags": st.config.get("tags") or []},
        ))
        return uid

    # -- generic tests -------------------------------------------------------------
    def _generic_tests(self, pkg: Package, props: Properties, registry: MacroRegistry) -> None:
        for (kind, name), patch in props.patches.items():
            rtype = {"models": "model", "seeds": "seed", "snapshots": "snapshot"}.get(kind)
            if rtype is None:
                continue
            uid = f"{rtype}.{pkg.name}.{name}"
            if uid not in self.nodes and rtype == "model" and f"asset.{pkg.name}.{name}" in self.nodes:
                uid = f"asset.{pkg.name}.{name}"  # `models:` entries describe assets too
            if uid not in self.nodes:
                close = difflib.get_close_matches(name, [n.name for n in self.nodes.values()], n=1)
                log.warning("%s:%s: properties given for %s %r, which does not exist%s", patch.path, patch.line,
                            rtype, name, f" (did you mean {close[0]!r}?)" if close else "")
                continue
            for t in patch.tests:
                self._add_test(pkg, t, uid, name, f"ref('{name}')", registry)
        for st in props.sources:
            uid = f"source.{pkg.name}.{st.source_name}.{st.name}"
            for t in st.tests:
                self._add_test(pkg, t, uid, f"{st.source_name}_{st.name}",
                               f"source('{st.source_name}', '{st.name}')", registry)

    def _add_test(self, pkg: Package, t: TestEntry, attached: str, target_name: str, model_expr: str,
                  registry: MacroRegistry) -> None:
        args = dict(t.args)
        config = dict(args.pop("config", None) or {})
        for key in TEST_CONFIG_KEYS:
            if key in args:
                config[key] = args.pop(key)
        description = args.pop("description", "")
        custom_name = args.pop("name", None)
        namespace, _, test_name = t.name.rpartition(".")
        flat_args = dict(args)
        if t.column_name is not None:
            flat_args["column_name"] = t.column_name
        test_type = f"source_{test_name}" if attached.startswith("source.") else test_name
        short, full = synthesize_test_name(f"{namespace}_{test_type}" if namespace else test_type, target_name,
                                           flat_args)
        if custom_name:
            short = full = str(custom_name)
        macro_name = f"test_{test_name}"
        search = [namespace] if namespace else [self.root_pkg.name, pkg.name, "dbt"]
        if not namespace and test_name.startswith("expect_"):
            pass  # a Great Expectations name: the checks layer validates it (weir.checks.tests)
        elif registry.find(macro_name, search) is None:
            close = registry.suggest(macro_name)
            raise ProjectError(
                f"unknown test {t.name!r}" + (f" on column {t.column_name!r}" if t.column_name else ""),
                path=t.path, line=t.line,
                hint=(f"did you mean {close[5:]!r}?" if close and close.startswith("test_") else
                      "define it with {% test name(model, column_name) %} in macros/ or tests/generic/"),
            )
        # refs/sources inside arguments (relationships' `to: ref('x')`) are dependencies
        capture = Capture()
        ctx, _ = build_context(
            NodeContextSpec(package=pkg.name, project_name=self.root_pkg.name, target=self._target_ctx(),
                            vars=self._vars(pkg.name), execute=False, docs=self.docs),
            registry, None, capture,
        )
        for value in _walk_values(args):
            if isinstance(value, str) and REF_EXPR.match(value):
                render(self.parse_env, "{{ " + value + " }}", ctx, path=t.path)
        fqn_folder = Path(t.path).parent.parts[1:] if len(Path(t.path).parts) > 1 else ()
        base_cfg = self._project_config("data_tests", pkg, (pkg.name, *fqn_folder, short)) or self._project_config(
            "tests", pkg, (pkg.name, *fqn_folder, short))
        config = merge(base_cfg, config)
        if full != short and "alias" not in config:
            config["alias"] = short
        uid = f"test.{pkg.name}.{full}.{hashlib.md5(repr((attached, t.name, sorted(map(repr, flat_args.items())))).encode()).hexdigest()[:10]}"
        self.captures[uid] = capture
        self._add(Node(
            unique_id=uid, name=full, resource_type="test", package=pkg.name, path=t.path,
            root_path=str(pkg.root), config=config, fqn=(pkg.name, *fqn_folder, full), description=description,
            test=TestSpec(test_name=t.name, kwargs=args, column_name=t.column_name, attached_to=attached,
                          namespace=namespace or None),
            depends_on=(attached,), line=t.line,
        ))

    # -- references ------------------------------------------------------------------
    def link(self) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
        by_name: dict[tuple[str, str], str] = {}
        for uid, n in self.nodes.items():
            if n.resource_type in ("model", "seed", "snapshot", "asset") and n.enabled:
                by_name[(n.package, n.name)] = uid
        sources = {(n.source_name or "", n.name): uid for uid, n in self.nodes.items() if n.resource_type == "source"}
        linked: dict[str, Node] = {}
        for uid, n in self.nodes.items():
            if not n.enabled:
                continue
            cap = self.captures.get(uid)
            deps = list(n.depends_on)
            if cap:
                for pkg, name in cap.refs:
                    deps.append(self._resolve_ref(n, pkg, name, by_name))
                for sname, tname in cap.sources:
                    key = (sname, tname)
                    if key not in sources:
                        options = [f"{a}.{b}" for a, b in sources]
                        close = difflib.get_close_matches(f"{sname}.{tname}", options, n=1)
                        raise CompilationError(
                            f"{n.resource_type} {n.name!r} depends on source {sname}.{tname}, which was not found",
                            path=n.path, node=n.name,
                            hint=f"did you mean {close[0]!r}?" if close else "declare it under sources: in a .yml file",
                        )
                    deps.append(sources[key])
            linked[uid] = Node(**{**n.__dict__, "depends_on": tuple(dict.fromkeys(deps))}) if deps != list(n.depends_on) else n
        self.nodes = linked
        return by_name, sources

    def _resolve_ref(self, n: Node, pkg: str | None, name: str, by_name: dict[tuple[str, str], str]) -> str:
        if pkg is not None:
            if (pkg, name) in by_name:
                return by_name[(pkg, name)]
        else:
            for candidate in (n.package, self.root_pkg.name, *self.packages):
                if (candidate, name) in by_name:
                    return by_name[(candidate, name)]
        names = sorted({k[1] for k in by_name})
        close = difflib.get_close_matches(name, names, n=1)
        disabled = any(x.name == name and not x.enabled for x in self.nodes.values())
        raise CompilationError(
            f"{n.resource_type} {n.name!r} depends on {name!r}, which "
            + ("is disabled" if disabled else "was not found"),
            path=n.path, node=n.name,
            hint=f"did you mean ref('{close[0]}')?" if close and not disabled else None,
        )


def _yaml_folders(pkg: Package, path: str) -> tuple[str, ...]:
    """Folders of a properties file below its resource path (dbt puts them in the fqn)."""
    parts = Path(path).parts
    for base in pkg.model_paths + pkg.seed_paths + pkg.snapshot_paths + pkg.analysis_paths:
        bparts = Path(base).parts
        if parts[: len(bparts)] == bparts:
            return tuple(parts[len(bparts):-1])
    return tuple(parts[1:-1])


def _walk_values(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk_values(v)
    else:
        yield value


def synthesize_test_name(test_type: str, target_name: str, args: dict[str, Any]) -> tuple[str, str]:
    """dbt's generated test names: ``not_null_orders_id``; long ones are shortened with a hash."""
    flat: list[str] = []
    for key in sorted(args):
        value = args[key]
        parts = list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, list | tuple) else [value]
        flat.extend(str(p) for p in parts)
    unique = "__".join(re.sub("[^0-9a-zA-Z_]+", "_", a) for a in flat)
    identifier = f"{test_type}_{target_name}"
    full = f"{identifier}_{unique}"
    if len(full) >= 64:
        return f"{identifier[:30]}_{hashlib.md5(full.encode()).hexdigest()}", full
    return full, full


def _parse_python_model(text: str, path: str) -> Capture:
    """refs, sources and config of a Python model, read from its AST (as dbt does)."""
    capture = Capture()
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise ProjectError(f"Python syntax error: {exc.msg}", path=path, line=exc.lineno) from None
    has_model = any(isinstance(n, ast.FunctionDef) and n.name == "model" for n in tree.body)
    if not has_model:
        raise ProjectError("a Python model must define `def model(dbt, session):`", path=path)
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if not (isinstance(call.func.value, ast.Name) and call.func.value.id == "dbt"):
            continue
        try:
            args = [ast.literal_eval(a) for a in call.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
        except ValueError:
            raise ProjectError(f"dbt.{call.func.attr}() arguments must be literals", path=path, line=call.lineno) from None
        if call.func.attr == "ref":
            capture.refs.append((args[0], args[1]) if len(args) == 2 else (None, args[0]))
        elif call.func.attr == "source":
            capture.sources.append((args[0], args[1]))
        elif call.func.attr == "config":
            capture.config.update(kwargs)
    return capture


def load_project(root: Path, *, target: str | None = None, cli_vars: dict[str, Any] | None = None,
                 profiles_dir: Path | None = None) -> Project:
    """Read a project folder into a Project (nodes, graph, relation names)."""
    loader = _Loader(root, target, cli_vars or {}, profiles_dir)
    loader.load_macros()
    loader.parse()
    by_name, sources = loader.link()
    enabled = {u: n for u, n in loader.nodes.items() if n.enabled}
    # tests of disabled nodes go with them
    enabled = {u: n for u, n in enabled.items() if all(d in enabled for d in n.depends_on)}
    for node in enabled.values():
        validate_node(node)
    graph = Graph(enabled)
    graph.topological()  # raises on cycles, naming them
    project = Project(
        root=loader.root, name=loader.root_pkg.name, target=loader.target, settings=loader.settings,
        packages=loader.packages, graph=graph, relations={}, vars=loader.root_pkg.vars, cli_vars=loader.cli_vars,
        docs=loader.docs, macros=loader.macros, dispatch=loader.dispatch_order(), refs=by_name, sources=sources,
        assets={u: a for u, a in loader.assets.items() if u in enabled},
    )
    from weir.project.naming import assign_relations

    project.relations = assign_relations(project, loader)
    return project


__all__ = ["Column", "Project", "SourceTable", "ephemeral_name", "load_project"]
