"""``weir table history|optimize|vacuum|restore TABLE``: maintenance of one lakehouse table."""

from __future__ import annotations

import datetime
import json
from typing import Any

import click

from weir.cli.main import _open, console, project_options

#: history keys shown as columns; the rest of an entry is weir's metadata or format metrics
_HISTORY_COLUMNS = ("version", "timestamp", "operation", "weir.run_id", "weir.node", "weir.command")


@click.group()
def table() -> None:
    """Inspect and maintain lakehouse tables (Delta, Iceberg).

    TABLE is a model, seed, snapshot or source (source.table) name, or schema.table."""


def _when(ms: Any) -> str:
    try:
        return datetime.datetime.fromtimestamp(int(ms) / 1000, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return str(ms or "")


@table.command()
@click.argument("table_name", metavar="TABLE")
@project_options
@click.option("--limit", type=int, default=None, help="Newest N commits only.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def history(ctx: click.Context, table_name: str, limit: int | None, fmt: str, **kw: Any) -> None:
    """The table's commits, newest first."""
    with _open(ctx, kw) as ws:
        entries = ws.table_history(table_name, limit)
        ref = ws.table_ref(table_name)
    if fmt == "json":
        click.echo(json.dumps(entries, default=str))
        return
    from rich.table import Table

    t = Table(*_HISTORY_COLUMNS, title=f"{ref.name} ({ref.format.name})")
    for e in entries:
        t.add_row(str(e.get("version", "")), _when(e.get("timestamp")), str(e.get("operation", "")),
                  *[str(e.get(k) or "") for k in _HISTORY_COLUMNS[3:]])
    console.print(t)


@table.command()
@click.argument("table_name", metavar="TABLE")
@project_options
@click.pass_context
def optimize(ctx: click.Context, table_name: str, **kw: Any) -> None:
    """Compact small files into fewer large ones (one commit; rows unchanged)."""
    with _open(ctx, kw) as ws:
        metrics = ws.optimize_table(table_name)
    removed, added = metrics.get("numFilesRemoved", 0), metrics.get("numFilesAdded", 0)
    console.print(f"{table_name}: {removed} file(s) compacted into {added}", markup=False)


@table.command()
@click.argument("table_name", metavar="TABLE")
@project_options
@click.option("--retain-hours", type=float, default=168.0, show_default=True,
              help="Keep files that versions younger than this still need.")
@click.option("--dry-run", is_flag=True, help="List the files, delete nothing.")
@click.pass_context
def vacuum(ctx: click.Context, table_name: str, retain_hours: float, dry_run: bool, **kw: Any) -> None:
    """Delete files that only versions older than --retain-hours need."""
    with _open(ctx, kw) as ws:
        files = ws.vacuum_table(table_name, retain_hours=retain_hours, dry_run=dry_run)
    for f in files:
        click.echo(f)
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{table_name}: {verb} {len(files)} file(s)", markup=False)


@table.command()
@click.argument("table_name", metavar="TABLE")
@project_options
@click.option("--version", "version", type=int, required=True, help="Version to bring back (see history).")
@click.pass_context
def restore(ctx: click.Context, table_name: str, version: int, **kw: Any) -> None:
    """Make an old version current again, as a new commit (history is kept)."""
    with _open(ctx, kw) as ws:
        commit = ws.restore_table(table_name, version)
    console.print(f"{table_name}: restored version {version} as version {commit.version}", markup=False)
