"""``weir docs generate|serve``: the project's static docs site with its lineage graph."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path
from typing import Any

import click


def generate_site(ctx: click.Context, out: str | None, kw: dict[str, Any]) -> Path:
    """Build the catalog and lineage of the project and write the site; returns index.html."""
    from weir.cli.main import _open
    from weir.lineage.site import write_site
    from weir.workspace.docs import docs_catalog

    with _open(ctx, kw) as ws:
        catalog, lineage = docs_catalog(ws)
        folder = Path(out) if out else ws.project.target_dir / "docs"
    return write_site(catalog, lineage, folder)


@click.group()
def docs() -> None:
    """The project's documentation site: models, columns, tests and lineage."""


def _options(fn: Any) -> Any:
    from weir.cli.main import project_options

    fn = click.option("--out", default=None, type=click.Path(file_okay=False),
                      help="Output folder (default <project>/target/docs).")(fn)
    return project_options(fn)


@docs.command("generate")
@_options
@click.pass_context
def generate(ctx: click.Context, out: str | None, **kw: Any) -> None:
    """Write index.html, catalog.json and lineage.json; prints the page's path."""
    click.echo(str(generate_site(ctx, out, kw)))


@docs.command("serve")
@_options
@click.option("--port", type=int, default=8080, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (local only by default).")
@click.option("--no-generate", is_flag=True, help="Serve what is already in the folder.")
@click.pass_context
def serve(ctx: click.Context, out: str | None, port: int, host: str, no_generate: bool, **kw: Any) -> None:
    """Generate the site and serve it over HTTP until interrupted."""
    if no_generate:
        folder = Path(out) if out else Path(kw["project_dir"]) / "target" / "docs"
    else:
        folder = generate_site(ctx, out, kw).parent
    handler = functools.partial(_QuietHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        click.echo(f"Serving {folder} at http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)")
        server.serve_forever()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        import logging

        logging.getLogger("weir.docs").debug(format, *args)
