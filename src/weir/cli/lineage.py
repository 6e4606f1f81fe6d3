"""``weir lineage MODEL[.COLUMN]``: where a model or column comes from and what it feeds."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console
from rich.tree import Tree

from weir.errors import GraphError
from weir.lineage import Lineage

KIND_STYLE = {"direct": "green", "derived": "cyan", "aggregated": "magenta", "window": "blue",
              "table": "dim", "filter": "yellow", "join": "yellow", "group_by": "yellow"}


def resolve_target(lineage: Lineage, spec: str) -> tuple[str, str | None]:
    """``MODEL`` or ``MODEL.COLUMN`` (a source is ``source_name.table``) -> (unique id, column)."""
    try:
        return lineage.find(spec), None
    except GraphError:
        if "." not in spec:
            raise
    name, column = spec.rsplit(".", 1)
    uid = lineage.find(name)
    lineage.column_refs(uid, column)  # raises naming the columns when it has none such
    return uid, column


def lineage_report(lineage: Lineage, spec: str, *, upstream: bool, downstream: bool,
                   depth: int | None) -> dict[str, Any]:
    """The JSON document ``weir lineage --format json`` prints."""
    uid, column = resolve_target(lineage, spec)
    out: dict[str, Any] = {"node": uid, "name": lineage.nodes[uid].name, "column": column}
    if upstream:
        out["upstream"] = lineage.upstream(uid, column, depth)["upstream"]
    if downstream:
        out["downstream"] = lineage.downstream(uid, column, depth)["downstream"]
    nl = lineage.columns.get(uid)
    if nl is not None:
        out["complete"] = nl.complete
        out["notes"] = nl.notes
        if column is None:
            out["row_inputs"] = [r.to_dict() for r in nl.row_inputs]
    return out


def _label(item: dict[str, Any], arrow: str) -> str:
    name = item["name"] + (f".{item['column']}" if item.get("column") else "")
    kind = item.get("kind")
    tag = f" [{KIND_STYLE.get(kind, '')}]{kind}[/]" if kind else ""
    return f"{arrow} [bold]{name}[/] [dim]({item['resource_type']})[/]{tag}"


def _grow(tree: Tree, items: list[dict[str, Any]], key: str, arrow: str) -> None:
    for item in items:
        _grow(tree.add(_label(item, arrow)), item.get(key, []), key, arrow)


def render_text(report: dict[str, Any], console: Console) -> None:
    title = report["name"] + (f".{report['column']}" if report["column"] else "")
    for key, arrow, heading in (("upstream", "◀", "upstream"), ("downstream", "▶", "downstream")):
        if key not in report:
            continue
        tree = Tree(f"[bold]{title}[/] {heading}")
        _grow(tree, report[key], key, arrow)
        if not report[key]:
            tree.add(f"[dim]nothing {heading}[/]")
        console.print(tree)
    if report.get("row_inputs"):
        rows = ", ".join(f"{r['node'].split('.')[-1]}.{r['column']} ({r['kind']})" for r in report["row_inputs"])
        console.print(f"[yellow]rows shaped by[/] {rows}", soft_wrap=True)
    for note in report.get("notes") or []:
        console.print(f"[yellow]note:[/] {note}", soft_wrap=True)


def register(cli: click.Group) -> None:
    """Add ``lineage`` and ``docs`` to the ``weir`` command group."""
    from weir.cli.docs import docs
    from weir.cli.main import _open, console, project_options

    @cli.command("lineage")
    @click.argument("spec", metavar="MODEL[.COLUMN]")
    @project_options
    @click.option("--upstream", "up", is_flag=True, help="Only what it is computed from.")
    @click.option("--downstream", "down", is_flag=True, help="Only what is computed from it.")
    @click.option("--depth", type=int, default=None, help="Levels to follow (default: all).")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
    @click.pass_context
    def lineage_cmd(ctx: click.Context, spec: str, up: bool, down: bool, depth: int | None, fmt: str,
                    **kw: Any) -> None:
        """Lineage of MODEL or MODEL.COLUMN: upstream and downstream (both unless one is asked for)."""
        if depth is not None and depth < 1:
            raise click.BadParameter("must be 1 or more", param_hint="--depth")
        with _open(ctx, kw) as ws:
            report = lineage_report(ws.lineage(), spec, upstream=up or not down, downstream=down or not up,
                                    depth=depth)
        if fmt == "json":
            click.echo(json.dumps(report, indent=2))
        else:
            render_text(report, console)

    cli.add_command(docs)
