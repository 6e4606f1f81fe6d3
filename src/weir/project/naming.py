"""Where each node's relation lives: dbt's generate_schema_name / generate_alias_name,
which a project may override with its own macros."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from weir.sql.context import NodeContextSpec, build_context
from weir.sql.relation import Relation, ephemeral_name
from weir.sql.render import MacroRegistry, make_environment

if TYPE_CHECKING:
    from weir.project.loader import Project, _Loader


def node_dict(project: Project, uid: str, relation: Relation | None = None) -> dict[str, Any]:
    """The ``model``/``node`` mapping dbt's macros receive."""
    n = project.graph.nodes[uid]
    return {
        "name": n.name,
        "unique_id": uid,
        "resource_type": n.resource_type,
        "package_name": n.package,
        "path": n.path,
        "original_file_path": n.path,
        "fqn": list(n.fqn),
        "config": dict(n.config),
        "tags": list(n.tags),
        "description": n.description,
        "raw_code": n.raw_code,
        "raw_sql": n.raw_code,
        "language": n.language,
        "schema": relation.schema if relation else None,
        "alias": relation.identifier if relation else n.name,
        "database": relation.database if relation else None,
        "columns": {c.name: {"name": c.name, "description": c.description, "data_type": c.data_type}
                    for c in n.columns},
        "depends_on": {"nodes": list(n.depends_on)},
        "refs": [],
        "sources": [],
    }


def assign_relations(project: Project, loader: _Loader) -> dict[str, Relation]:
    env = make_environment(parse=False)
    registry = MacroRegistry(env, root_package=project.name, packages=project.macros,
                             dispatch_order=project.dispatch)
    target = loader._target_ctx()
    out: dict[str, Relation] = {}
    for uid, n in project.graph.nodes.items():
        if n.resource_type == "source":
            out[uid] = _source_relation(project, n.config, n.name)
            continue
        if n.resource_type not in ("model", "seed", "snapshot", "asset", "test"):
            continue
        spec = NodeContextSpec(package=n.package, project_name=project.name, target=target,
                               vars=loader._vars(n.package), config=dict(n.config), execute=True, docs=project.docs)
        _ctx, scope = build_context(spec, registry, None)
        node = node_dict(project, uid)
        if n.resource_type == "test":
            schema = f"{project.target.schema}_{n.config.get('schema') or 'dbt_test__audit'}"
        elif n.resource_type == "snapshot" and n.config.get("target_schema"):
            schema = str(n.config["target_schema"])
        else:
            schema = _call(scope, "generate_schema_name", n.config.get("schema"), node) or project.target.schema
        alias = _call(scope, "generate_alias_name", n.config.get("alias"), node) or n.name
        database = n.config.get("database") or n.config.get("target_database") or project.target.database
        if n.materialized == "ephemeral":
            out[uid] = Relation(schema=None, identifier=ephemeral_name(n.name), type="cte")
        else:
            kind = "view" if n.materialized == "view" else "table"
            out[uid] = Relation(schema=schema.strip(), identifier=alias.strip(), database=str(database), type=kind)
    return out


def _call(scope: Any, macro: str, custom: Any, node: dict[str, Any]) -> str | None:
    found = scope.macro(macro, scope.search)
    if found is None:
        # weir's built-in macros may be absent (a trimmed install): dbt's default rules.
        if macro == "generate_schema_name":
            base = scope.context["target"]["schema"]
            return base if custom is None else f"{base}_{str(custom).strip()}"
        return str(custom).strip() if custom else node["name"]
    return str(found(custom, node)).strip()


def _source_relation(project: Project, config: dict[str, Any], name: str) -> Relation:
    loc = config.get("external_location")
    if loc:
        text = str(loc).format(name=name, identifier=config.get("identifier", name),
                               schema=config.get("schema"))
        if "(" not in text:
            if "://" not in text and not text.startswith("/"):
                text = str(project.root / text)  # relative to the project, wherever weir runs
            text = "'" + text.replace("'", "''") + "'"
        return Relation(schema=config.get("schema"), identifier=config.get("identifier", name),
                        type="external", external=text)
    return Relation(schema=config.get("schema"), identifier=config.get("identifier", name),
                    database=config.get("database"), type="table")
