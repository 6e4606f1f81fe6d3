"""``weir ingest``: run only the ingestion nodes (sources with an ``ingest:`` block)."""

from __future__ import annotations

from typing import Any

import click

from weir.cli.main import _open, _split, console, project_options, run_options, selection_options


@click.command("ingest")
@project_options
@selection_options
@run_options
@click.pass_context
def ingest(ctx: click.Context, select: tuple[str, ...], exclude: tuple[str, ...], threads: int | None,
           full_refresh: bool, **kw: Any) -> None:
    """Load the selected sources (e.g. -s source:shop) into their lakehouse tables.

    --full-refresh forgets the stored cursors and rebuilds the tables."""
    from weir.cli.output import Progress, summary

    with _open(ctx, kw) as ws:
        plan = ws.plan("ingest", _split(select), _split(exclude), full_refresh=full_refresh)
        if not len(plan):
            console.print("Nothing to do: no source with an ingest: block matches the selection.")
            return
        names = {u: (ws.project.graph.nodes[u].name, "ingest") for u in plan.ids}
        with Progress(len(plan), names, log_format=ctx.obj["log_format"], console=console) as progress:
            result = ws.run_plan(plan, threads=threads, report=progress, debug=ctx.obj["debug"])
        for r in result.results:
            if r.status == "success" and r.message:
                console.print(f"  {r.name}: {r.message}", markup=False)
        summary(result.results, result.duration, console, ctx.obj["log_format"])
        if not result.success:
            ctx.exit(1)


def register(group: click.Group) -> None:
    """Add ``weir ingest`` to the CLI group."""
    group.add_command(ingest)
