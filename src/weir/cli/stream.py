"""``weir stream``: run the project's stream nodes, publish rows to a topic, show batch metrics."""

from __future__ import annotations

import datetime
import signal
import threading
import uuid
from pathlib import Path
from typing import Any

import click

from weir.cli.main import _open, console, err_console, project_options
from weir.cli.options import parse_vars


class _StreamGroup(click.Group):
    """``weir stream NODE...`` runs streams; ``weir stream publish|status`` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_StreamGroup)
def stream() -> None:
    """Kafka -> Delta/Iceberg streams, exactly once (see docs/streaming.md)."""


@stream.command("run")
@click.argument("nodes", nargs=-1)
@project_options
@click.option("--once", is_flag=True, help="Stop once the topics are drained (idle for 2 s).")
@click.option("--max-batches", type=int, default=None, help="Stop after N batches per stream.")
@click.option("--until-idle", type=float, default=None, help="Stop after S seconds without messages.")
@click.pass_context
def run_cmd(ctx: click.Context, nodes: tuple[str, ...], once: bool, max_batches: int | None,
            until_idle: float | None, **kw: Any) -> None:
    """Run stream NODES (all the project's streams when none are named)."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        err_console.print("Stopping after the current batch (again to abort)...")
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _run_streams(ctx, kw, nodes, max_batches, 2.0 if once and until_idle is None else until_idle, stop)
    finally:  # called in-process (tests, notebooks): give the caller its handlers back
        for sig, handler in previous.items():
            if handler is not None:  # None: set outside Python, cannot be put back
                signal.signal(sig, handler)


def _run_streams(ctx: click.Context, kw: dict[str, Any], nodes: tuple[str, ...], max_batches: int | None,
                 until_idle: float | None, stop: threading.Event) -> None:
    from weir.streaming.service import first_error, project_streams, register_tables, run_streams

    ws = _open(ctx, kw)
    specs = project_streams(ws.project, list(nodes))
    project, formats, ledger = ws.project, ws.formats, ws.ledger
    register_tables(ws.engine, project, formats, specs)
    ws.engine.close()  # streams run for long: other weir commands must be able to open the catalog
    run_id = uuid.uuid4().hex[:12]
    console.print(f"Streaming {', '.join(s.name for s in specs)} (run {run_id}); Ctrl-C stops after the batch.",
                  markup=False)
    result = run_streams(project, formats, specs, run_id=run_id, ledger=ledger, max_batches=max_batches,
                         until_idle=until_idle, stop=stop)
    for name, s in result.stats.items():
        console.print(f"{name}: {s.batches} batches, {s.messages} messages, {s.written} written, "
                      f"{s.dead_letters} dead letters, {s.late} late", markup=False)
    ledger.close()
    with _open(ctx, kw) as again:
        register_tables(again.engine, again.project, again.formats, specs)
    error = first_error(result)
    if error is not None:
        raise error


@stream.command("publish")
@click.argument("relation")
@click.argument("topic")
@project_options
@click.option("--key", default=None, help="Column whose value keys each message.")
@click.option("--bootstrap-servers", envvar="WEIR_STREAM__BOOTSTRAP_SERVERS", required=True,
              help="host:port of the Kafka brokers (or $WEIR_STREAM__BOOTSTRAP_SERVERS).")
@click.option("--retries", type=int, default=5, show_default=True)
@click.pass_context
def publish_cmd(ctx: click.Context, relation: str, topic: str, key: str | None, bootstrap_servers: str,
                retries: int, **kw: Any) -> None:
    """Publish the rows of RELATION (a model/seed/source name, or a SELECT) to TOPIC as JSON."""
    from weir.streaming.publish import publish

    with _open(ctx, kw) as ws:
        is_query = relation.lstrip().lower().startswith(("select", "with", "from"))
        rows = ws.query(relation) if is_query else ws.read_table(relation)
    result = publish(rows, topic, bootstrap_servers=bootstrap_servers, key=key, retries=retries)
    console.print(f"Published {result.delivered} message(s) to {topic}.", markup=False)


@stream.command("status")
@click.argument("node", required=False)
@project_options
@click.option("--limit", type=int, default=10, help="Batches to show.")
def status_cmd(node: str | None, limit: int, **kw: Any) -> None:
    """Per stream totals, then the newest batches (messages, bytes, latency, lag)."""
    from weir.project.loader import load_project
    from weir.state import Ledger
    from weir.streaming.metrics import stream_status, stream_totals

    project = load_project(Path(kw["project_dir"]), target=kw["target"], cli_vars=parse_vars(kw["vars_"]))
    ledger = Ledger(project.state_dir / "ledger.db")
    try:
        for t in stream_totals(ledger):
            if node and t["stream"] != node:
                continue
            console.print(f"{t['stream']}: {t['batches']} batches, {t['messages']} messages, {t['written']} written, "
                          f"{t['dead_letters']} dead letters, {t['late']} late, lag {t['last_lag']}", markup=False)
        for b in stream_status(ledger, node, limit):
            at = datetime.datetime.fromtimestamp(b["finished_at"]).strftime("%Y-%m-%d %H:%M:%S")
            latency = f"{b['latency_s']:.2f}s" if b["latency_s"] is not None else "-"
            console.print(f"  {at} {b['stream']} #{b['batch_seq']} msgs={b['messages']} bytes={b['bytes']} "
                          f"written={b['written']} dead={b['dead_letters']} late={b['late']} "
                          f"latency={latency} lag={b['lag'] if b['lag'] is not None else '-'} "
                          f"v{b['table_version']}", markup=False)
    finally:
        ledger.close()
