"""The ``weir`` command: dbt's verbs and selectors, plus weir's own."""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from weir.cli.options import parse_vars
from weir.errors import ConfigError, WeirError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def _split(values: tuple[str, ...]) -> list[str] | None:
    out = [w for v in values for w in v.split()]
    return out or None


def project_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--project-dir", default=".", type=click.Path(file_okay=False), help="Project folder.")(fn)
    fn = click.option("--profiles-dir", default=None, type=click.Path(file_okay=False))(fn)
    fn = click.option("--target", "-t", default=None, help="Target name (weir.yml or profiles.yml).")(fn)
    fn = click.option("--vars", "vars_", default=None, help="YAML mapping of project vars.")(fn)
    return fn


def selection_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--select", "-s", "--models", "-m", "select", multiple=True,
                      help="dbt selectors: name, +name, name+, tag:x, path:dir, @name.")(fn)
    fn = click.option("--exclude", multiple=True, help="Selectors to leave out.")(fn)
    return fn


def run_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--threads", type=int, default=None, help="Nodes run in parallel.")(fn)
    fn = click.option("--full-refresh", is_flag=True, help="Rebuild incremental models and seeds from scratch.")(fn)
    return fn


def _open(ctx: click.Context, kw: dict[str, Any]) -> Any:
    from weir.workspace import Workspace

    return Workspace.load(kw["project_dir"], target=kw["target"], vars=parse_vars(kw["vars_"]),
                          profiles_dir=kw["profiles_dir"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text")
@click.version_option(package_name="weir")
@click.pass_context
def cli(ctx: click.Context, debug: bool, log_format: str) -> None:
    """weir: dbt-compatible models, pipelines, quality gates and lakehouse tables."""
    ctx.ensure_object(dict)
    ctx.obj.update(debug=debug, log_format=log_format)
    from weir.logs import setup_logging

    # structured logs on stderr: run id and node on every line, secrets redacted
    setup_logging(level=logging.DEBUG if debug else logging.INFO if log_format == "json" else logging.WARNING,
                  fmt=log_format)


def _run_command(command: str) -> Callable[..., Any]:
    @project_options
    @selection_options
    @run_options
    @click.pass_context
    def cmd(ctx: click.Context, select: tuple[str, ...], exclude: tuple[str, ...], threads: int | None,
            full_refresh: bool, **kw: Any) -> None:
        from weir.cli.output import Progress, summary

        with _open(ctx, kw) as ws:
            plan = ws.plan(command, _split(select), _split(exclude), full_refresh=full_refresh)
            if not len(plan):
                console.print("Nothing to do: no nodes match the selection.")
                return
            names = {u: (ws.project.graph.nodes[u].name, ws.project.graph.nodes[u].resource_type) for u in plan.ids}
            with Progress(len(plan), names, log_format=ctx.obj["log_format"], console=console) as progress:
                result = ws.run_plan(plan, threads=threads, report=progress, debug=ctx.obj["debug"])
            summary(result.results, result.duration, console, ctx.obj["log_format"])
            if not result.success:
                ctx.exit(1)

    cmd.__doc__ = {
        "build": "Seed, run, snapshot and test the selected nodes in dependency order.",
        "run": "Run the selected models.",
        "seed": "Load CSV seeds as tables.",
        "snapshot": "Run snapshots (slowly changing dimensions, type 2).",
        "test": "Run data tests.",
    }[command]
    return cmd


for _name in ("build", "run", "seed", "snapshot", "test"):
    cli.command(_name)(_run_command(_name))


@cli.command()
@project_options
@selection_options
@click.pass_context
def compile(ctx: click.Context, select: tuple[str, ...], exclude: tuple[str, ...], **kw: Any) -> None:
    """Render the selected nodes' SQL into target/compiled (and print it for one node)."""
    with _open(ctx, kw) as ws:
        out = ws.compile(_split(select), _split(exclude))
        if len(out) == 1:
            console.print(next(iter(out.values())), markup=False)
        else:
            console.print(f"Compiled {len(out)} nodes into {ws.project.target_dir / 'compiled'}")


@cli.command("ls")
@project_options
@selection_options
@click.option("--resource-type", multiple=True)
@click.option("--output", "-o", type=click.Choice(["name", "path", "selector", "json"]), default="selector")
@click.pass_context
def ls_(ctx: click.Context, select: tuple[str, ...], exclude: tuple[str, ...], resource_type: tuple[str, ...],
        output: str, **kw: Any) -> None:
    """List nodes."""
    from weir.graph import select as choose
    from weir.project.loader import load_project

    project = load_project(Path(kw["project_dir"]), target=kw["target"], cli_vars=parse_vars(kw["vars_"]),
                           profiles_dir=Path(kw["profiles_dir"]) if kw["profiles_dir"] else None)
    chosen = choose(project.graph, _split(select), _split(exclude))
    for uid in project.graph.topological():
        node = project.graph.nodes[uid]
        if uid not in chosen or (resource_type and node.resource_type not in resource_type):
            continue
        if output == "name":
            click.echo(node.name)
        elif output == "path":
            click.echo(node.path)
        elif output == "json":
            click.echo(json.dumps({"unique_id": uid, "name": node.name, "resource_type": node.resource_type,
                                   "package_name": node.package, "original_file_path": node.path,
                                   "config": {"materialized": node.materialized, "tags": list(node.tags)}},
                                  default=str))
        else:
            click.echo(".".join(node.fqn) if node.resource_type != "source"
                       else f"source:{node.package}.{node.source_name}.{node.name}")


@cli.command()
@click.argument("node")
@project_options
@click.option("--limit", type=int, default=10, help="Rows to show (default 10).")
@click.option("--all", "all_rows", is_flag=True, help="Show every row.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.pass_context
def show(ctx: click.Context, node: str, limit: int, all_rows: bool, fmt: str, **kw: Any) -> None:
    """Print a model's, seed's or snapshot's rows."""
    with _open(ctx, kw) as ws:
        table = ws.read_table(node, limit=None if all_rows else limit)
        rows = table.to_pylist()
        cols = table.column_names
        if fmt == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow(cols)
            for r in rows:
                writer.writerow(["" if r[c] is None else _plain(r[c]) for c in cols])
            sys.stdout.write(buf.getvalue())
        elif fmt == "json":
            click.echo(json.dumps(rows, default=_plain, indent=None))
        else:
            from rich.table import Table

            t = Table(*cols)
            for r in rows:
                t.add_row(*["" if r[c] is None else str(_plain(r[c])) for c in cols])
            console.print(t)


def _plain(v: Any) -> Any:
    if isinstance(v, datetime.datetime | datetime.date):
        return v.isoformat(sep=" ") if isinstance(v, datetime.datetime) else v.isoformat()
    if isinstance(v, bytes):
        return v.hex()
    if hasattr(v, "as_tuple"):  # Decimal
        return str(v)
    return v


@cli.command()
@project_options
@click.option("--limit", type=int, default=10)
@click.option("--run-id", default=None, help="Show one run's nodes.")
@click.pass_context
def runs(ctx: click.Context, limit: int, run_id: str | None, **kw: Any) -> None:
    """Recent runs from the run ledger."""
    from weir.project.loader import load_project
    from weir.state import Ledger

    project = load_project(Path(kw["project_dir"]), target=kw["target"])
    ledger = Ledger(project.state_dir / "ledger.db")
    if run_id:
        for r in ledger.node_results(run_id):
            console.print(f"{r['status']:<8} {r['resource_type']:<8} {r['name']:<40} rows={r['rows_affected']} "
                          f"{(r['duration_s'] or 0):.2f}s {r['message'] or ''}", markup=False)
        return
    for run in ledger.runs(limit):
        started = datetime.datetime.fromtimestamp(run.started_at).strftime("%Y-%m-%d %H:%M:%S")
        took = f"{run.finished_at - run.started_at:.2f}s" if run.finished_at else "running"
        console.print(f"{run.run_id}  {started}  {run.command:<9} {run.status:<8} nodes={run.nodes} "
                      f"errors={run.errors} {took}", markup=False)


@cli.group()
def checks() -> None:
    """Data quality: reports over the checks and metrics in the run ledger."""


@checks.command("report")
@project_options
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Output folder (default <project>/target/checks).")
@click.option("--runs", "runs_", type=int, default=30, show_default=True, help="Runs of history to chart.")
def checks_report(out: str | None, runs_: int, **kw: Any) -> None:
    """Write data docs (index.html and report.json) and print the page's path."""
    from weir.checks.report import write_report
    from weir.project.loader import load_project
    from weir.state import Ledger

    project = load_project(Path(kw["project_dir"]), target=kw["target"], cli_vars=parse_vars(kw["vars_"]),
                           profiles_dir=Path(kw["profiles_dir"]) if kw["profiles_dir"] else None)
    ledger = Ledger(project.state_dir / "ledger.db")
    try:
        path = write_report(ledger, Path(out) if out else project.target_dir / "checks", project.name, runs=runs_)
    finally:
        ledger.close()
    click.echo(str(path))


@cli.command()
@click.argument("name")
def init(name: str) -> None:
    """Create a new project folder with a seed, models and tests."""
    from weir.cli.scaffold import create_project

    path = create_project(Path(name))
    console.print(f"Created project {path.name} in {path}. Next: cd {name} && weir build")


@cli.command("check")
@click.argument("data")
@click.option("--suite", "suite_path", required=True, type=click.Path(dir_okay=False),
              help="Expectation suite (YAML or GE JSON).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--project-dir", default=".", type=click.Path(file_okay=False),
              help="Project folder, when DATA names a model or seed.")
@click.option("--sample-limit", type=int, default=20, help="Failing rows fetched per failed check.")
@click.pass_context
def check_cmd(ctx: click.Context, data: str, suite_path: str, fmt: str, project_dir: str,
              sample_limit: int) -> None:
    """Check DATA (a CSV/Parquet/JSON file, a Delta folder, or a project's model or seed)
    against an expectation suite; exits 1 when an error-severity check fails."""
    from weir.checks.api import check
    from weir.checks.runner import run_suite
    from weir.checks.suite import load_suite

    suite = load_suite(suite_path)  # a bad suite is reported before any data is read
    if Path(data).exists():
        result = check(data, suite, sample_limit=sample_limit)
    elif any((Path(project_dir) / f).exists() for f in ("dbt_project.yml", "weir.yml")):
        from weir.workspace import Workspace

        with Workspace.load(project_dir) as ws:
            result = run_suite(ws.engine, ws.relation_of(data), suite, sample_limit, name=data)
    else:
        raise ConfigError(f"{data} is not a file, and there is no project in {project_dir} to find it in",
                          hint="give a CSV/Parquet/Delta path, or --project-dir of the project holding it")
    if fmt == "json":
        click.echo(result.to_json())
    else:
        from rich.table import Table

        styles = {"pass": "green", "fail": "red", "warn": "yellow"}
        table = Table("status", "check", "result", title=f"{result.suite} on {result.source}")
        for r in result.results:
            table.add_row(f"[{styles[r.status]}]{r.status.upper()}[/]", r.name, r.message)
        console.print(table)
        for r in result.failures:
            if r.samples:
                console.print(f"{r.name}: {len(r.samples)} failing row(s), e.g.", markup=False)
                for s in r.samples[:5]:
                    console.print("  " + json.dumps({k: _plain(v) for k, v in s.items()}), markup=False)
        stats = result.statistics
        verdict = "[green]PASSED[/]" if result.success else "[red]FAILED[/]"
        console.print(f"{verdict} {stats['successful']} passed, {stats['failed']} failed, "
                      f"{stats['warnings']} warned in {result.duration_s:.2f}s")
    if not result.success:
        ctx.exit(1)


from weir.cli.table import table as _table_commands  # noqa: E402 - needs the helpers above

cli.add_command(_table_commands)

from weir.cli.ingest import register as _register_ingest  # noqa: E402 - needs the helpers above

_register_ingest(cli)


# orchestration: pipelines, trigger, backfill, clear, scheduler, logs
from weir.cli.pipelines import register as _register_pipelines  # noqa: E402

_register_pipelines(cli)


# lineage and the docs site: lineage, docs generate|serve
from weir.cli.lineage import register as _register_lineage  # noqa: E402

_register_lineage(cli)

# streams: weir stream [NODE...] | publish | status
from weir.cli.stream import stream as _stream_command  # noqa: E402 - needs the helpers above

cli.add_command(_stream_command)

# the web UI and /metrics: weir ui
from weir.cli.ui import register as _register_ui  # noqa: E402 - needs the helpers above

_register_ui(cli)


def main() -> None:
    debug = "--debug" in sys.argv
    try:
        rv = cli(standalone_mode=False)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:  # click turns Ctrl-C into Abort
        _interrupted(exc.__context__)
    except WeirError as exc:
        if debug:
            raise
        from weir.logs import redact

        err_console.print(f"[red]Error:[/red] {redact(str(exc))}", markup=True, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt as exc:
        _interrupted(exc)


def _interrupted(exc: BaseException | None) -> None:
    from weir.workspace.executor import Interrupted

    if isinstance(exc, Interrupted):
        done = sum(r.status == "success" for r in exc.results)
        err_console.print(f"Interrupted: running queries cancelled, {done} node(s) had finished; "
                          "unfinished nodes committed nothing.")
    else:
        err_console.print("Interrupted.")
    sys.exit(130)
