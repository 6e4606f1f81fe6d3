"""``weir ui``: serve the web UI of a project (runs, pipelines with a Gantt view and task logs,
lineage, models, table history, live updates) and ``/metrics`` for Prometheus."""

from __future__ import annotations

import os
from typing import Any

import click

from weir.errors import MissingExtraError


@click.command("ui")
@click.option("--port", type=int, default=8580, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; any but loopback needs --token (or WEIR_UI_TOKEN).")
@click.option("--token", default=None, help="Secret every request must carry (default: $WEIR_UI_TOKEN).")
@click.pass_context
def ui(ctx: click.Context, port: int, host: str, token: str | None, **kw: Any) -> None:
    """Serve the web UI until interrupted."""
    from weir.cli.options import parse_vars
    from weir.web.auth import TOKEN_ENV, required_token

    token = required_token(host, token if token is not None else os.environ.get(TOKEN_ENV))
    try:
        import uvicorn
    except ImportError:
        raise MissingExtraError("uvicorn (the web UI)", "ui") from None
    from weir.web import UIData, create_app

    data = UIData(kw["project_dir"], target=kw["target"], vars=parse_vars(kw["vars_"]), profiles_dir=kw["profiles_dir"])
    app = create_app(data, token=token)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"weir ui for {data.name} at http://{shown}:{port}/" + (" (token required)" if token else ""),
               err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)


def register(cli: click.Group) -> None:
    from weir.cli.main import project_options

    cli.add_command(ui)
    project_options(ui)
