"""``weir pipelines list|validate|show|runs``, ``weir trigger``, ``backfill``, ``clear``, ``scheduler``, ``logs``.

Plain lines when stdout is not a terminal, Rich styling on one, JSON lines with ``--log-format json``.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
from typing import Any

import click
from rich.console import Console

from weir.cli.options import parse_mapping, parse_vars
from weir.errors import ConfigError

console = Console(highlight=False)
STYLE = {"success": "green", "failed": "red", "upstream_failed": "red", "running": "cyan", "queued": "dim",
         "skipped": "dim", "up_for_retry": "yellow", "up_for_reschedule": "yellow", "blocked": "yellow"}


def _opts(fn: Any) -> Any:
    from weir.cli.main import project_options

    return project_options(fn)


def _open(kw: dict[str, Any]) -> Any:
    from weir.workspace.pipelines import ProjectPipelines

    return ProjectPipelines(kw["project_dir"], target=kw["target"], vars=parse_vars(kw["vars_"]),
                            profiles_dir=kw["profiles_dir"])


def _json_mode(ctx: click.Context) -> bool:
    return bool(ctx.find_root().obj and ctx.find_root().obj.get("log_format") == "json")


def _say(ctx: click.Context, text: str, **event: Any) -> None:
    if _json_mode(ctx):
        click.echo(json.dumps(event, default=str))
    else:
        console.print(text, markup=console.is_terminal, soft_wrap=True)


def _state(state: str | None) -> str:
    s = state or "none"
    style = STYLE.get(s)
    return f"[{style}]{s}[/{style}]" if style and console.is_terminal else s


def _result(ctx: click.Context, result: Any) -> None:
    for task_id, state in result.task_states.items():
        err = result.errors.get(task_id)
        _say(ctx, f"  {_state(state):<18} {task_id}{': ' + err.splitlines()[0] if err else ''}",
             event="task", pipeline=result.pipeline_id, run_id=result.run_id, task=task_id, state=state, error=err)
    _say(ctx, f"{result.pipeline_id} {result.logical_date.isoformat()} {_state(result.state)} "
              f"in {result.duration:.2f}s (run {result.run_id})",
         event="run_done", pipeline=result.pipeline_id, run_id=result.run_id, state=result.state,
         logical_date=result.logical_date, duration_s=round(result.duration, 3))


@click.group("pipelines")
def pipelines_group() -> None:
    """Pipelines of the project (its pipelines/ folder)."""


@pipelines_group.command("list")
@_opts
@click.pass_context
def list_cmd(ctx: click.Context, **kw: Any) -> None:
    """Pipelines with their schedule, tags and last run."""
    with _open(kw) as pp:
        for pid, p in sorted(pp.pipelines.items()):
            runs = pp.store.runs(pid, limit=1)
            last = f"{runs[0].logical_date[:19]} {runs[0].state}" if runs else "never run"
            _say(ctx, f"{pid:<30} schedule={p.schedule!s:<12} tasks={len(p.tasks):<4} tags={','.join(p.tags) or '-'}"
                      f"  last: {last}", event="pipeline", pipeline=pid, schedule=str(p.schedule),
                 tasks=len(p.tasks), tags=p.tags, last_run=runs[0].logical_date if runs else None)
        if pp.loaded.errors:
            _say(ctx, f"{len(pp.loaded.errors)} problem(s) found: run `weir pipelines validate`",
                 event="problems", count=len(pp.loaded.errors))


@pipelines_group.command("validate")
@_opts
@click.pass_context
def validate_cmd(ctx: click.Context, **kw: Any) -> None:
    """Load every pipeline file and report each problem with file:line; exits 1 if there are any."""
    with _open(kw) as pp:
        for err in pp.loaded.errors:
            _say(ctx, f"ERROR {err}", event="error", path=err.path, line=err.line, message=err.message, hint=err.hint)
        n = len(pp.loaded.errors)
        _say(ctx, f"{len(pp.pipelines)} pipeline(s) in {len(pp.loaded.files)} file(s), {n} problem(s)",
             event="validated", pipelines=len(pp.pipelines), files=len(pp.loaded.files), problems=n)
        if n:
            ctx.exit(1)


@pipelines_group.command("show")
@click.argument("pipeline_id")
@_opts
@click.option("--next", "next_n", type=int, default=3, help="Upcoming runs to list.")
@click.pass_context
def show_cmd(ctx: click.Context, pipeline_id: str, next_n: int, **kw: Any) -> None:
    """Tasks, edges, schedule and the next runs of a pipeline."""
    with _open(kw) as pp:
        p = pp.get(pipeline_id)
        _say(ctx, f"{p.pipeline_id}: schedule={p.schedule} timezone={p.schedule.tz} catchup={p.catchup} "
                  f"max_active_runs={p.max_active_runs} max_active_tasks={p.max_active_tasks} "
                  f"defined at {p.path}:{p.line}", event="pipeline", pipeline=p.pipeline_id, schedule=str(p.schedule))
        for tid in p.topological():
            t = p.tasks[tid]
            ups = ", ".join(sorted(t.upstream_ids)) or "-"
            mapped = " (mapped)" if t.expand_args is not None else ""
            _say(ctx, f"  {tid:<36} {type(t).__name__:<14} after: {ups}{mapped}", event="task", task=tid,
                 kind=type(t).__name__, upstream=sorted(t.upstream_ids), trigger_rule=t.trigger_rule)
        now = dt.datetime.now(dt.UTC)
        for start, end in p.schedule.next_runs(next_n, now):
            _say(ctx, f"  next: interval {start.isoformat()} .. {end.isoformat()} runs at {end.isoformat()}",
                 event="next_run", logical_date=start, run_at=end)


@pipelines_group.command("runs")
@click.argument("pipeline_id", required=False)
@_opts
@click.option("--limit", type=int, default=20)
@click.pass_context
def runs_cmd(ctx: click.Context, pipeline_id: str | None, limit: int, **kw: Any) -> None:
    """Pipeline runs, newest interval first, with their task states."""
    with _open(kw) as pp:
        for rec in pp.store.runs(pipeline_id, limit=limit):
            counts: dict[str, int] = {}
            for ti in pp.store.task_instances(rec.run_id):
                counts[ti.state or "none"] = counts.get(ti.state or "none", 0) + 1
            took = f"{rec.finished_at - rec.started_at:.2f}s" if rec.finished_at and rec.started_at else ""
            _say(ctx, f"{rec.pipeline_id:<24} {rec.logical_date[:19]} {rec.run_type:<9} {_state(rec.state):<10} "
                      f"{' '.join(f'{k}={v}' for k, v in sorted(counts.items()))} {took} {rec.run_id}",
                 event="run", pipeline=rec.pipeline_id, run_id=rec.run_id, logical_date=rec.logical_date,
                 run_type=rec.run_type, state=rec.state, tasks=counts)


@click.command("trigger")
@click.argument("pipeline_id")
@_opts
@click.option("--date", default=None, help="Logical date (YYYY-MM-DD or ISO); default now.")
@click.option("--conf", default=None, help="JSON object: run configuration (overrides params).")
@click.option("--queue", is_flag=True, help="Only create the run; `weir scheduler` runs it.")
@click.pass_context
def trigger_cmd(ctx: click.Context, pipeline_id: str, date: str | None, conf: str | None, queue: bool,
                **kw: Any) -> None:
    """Run a pipeline now (or for --date), in this process."""
    with _open(kw) as pp:
        out = pp.trigger(pipeline_id, date, parse_mapping(conf, "--conf", '{"limit": 5}'), queue=queue)
        if queue:
            _say(ctx, f"queued run {out.run_id} of {pipeline_id} for {out.logical_date}", event="queued",
                 run_id=out.run_id, pipeline=pipeline_id)
            return
        _result(ctx, out)
        if not out.success:
            ctx.exit(1)


@click.command("backfill")
@click.argument("pipeline_id")
@_opts
@click.option("--start", "-s", required=True, help="First logical date (inclusive).")
@click.option("--end", "-e", required=True, help="Last logical date (inclusive).")
@click.option("--max-parallel", type=int, default=1, show_default=True, help="Intervals run at once.")
@click.pass_context
def backfill_cmd(ctx: click.Context, pipeline_id: str, start: str, end: str, max_parallel: int, **kw: Any) -> None:
    """Run every interval from --start to --end; rerunning skips intervals already successful."""
    with _open(kw) as pp:
        results = pp.backfill(pipeline_id, start, end, max_parallel=max_parallel,
                              report=lambda msg: _say(ctx, msg, event="backfill", message=msg))
        failed = [r for r in results if not r.success]
        for r in failed:
            _result(ctx, r)
        blocked = sum(r.state == "blocked" for r in failed)  # depends_on_past: waiting on an earlier date
        _say(ctx, f"backfill of {pipeline_id}: {len(results)} interval(s) run, {len(failed) - blocked} failed"
                  + (f", {blocked} blocked" if blocked else ""),
             event="backfill_done", pipeline=pipeline_id, run=len(results), failed=len(failed) - blocked,
             blocked=blocked)
        if failed:
            ctx.exit(1)


@click.command("clear")
@click.argument("pipeline_id")
@_opts
@click.option("--date", default=None)
@click.option("--start", default=None)
@click.option("--end", default=None)
@click.option("--failed", "failed_only", is_flag=True, help="Only failed and upstream_failed tasks.")
@click.option("--no-run", is_flag=True, help="Reset only; `weir scheduler` reruns them.")
@click.pass_context
def clear_cmd(ctx: click.Context, pipeline_id: str, date: str | None, start: str | None, end: str | None,
              failed_only: bool, no_run: bool, **kw: Any) -> None:
    """Reset tasks of runs (--failed: only failed ones) and rerun them."""
    if date is None and start is None and end is None:
        raise ConfigError("say which runs: --date D, or --start/--end")
    with _open(kw) as pp:
        out = pp.clear(pipeline_id, date=date, start=start, end=end, failed_only=failed_only, run=not no_run)
        if not out:
            _say(ctx, "nothing to clear", event="clear", runs=0)
        bad = 0
        for r in out:
            if no_run:
                _say(ctx, f"cleared {r.run_id} ({r.logical_date})", event="cleared", run_id=r.run_id)
            else:
                _result(ctx, r)
                bad += not r.success
        if bad:
            ctx.exit(1)


@click.command("scheduler")
@_opts
@click.option("--once", is_flag=True, help="Run until nothing is due and no run is active, then exit.")
@click.option("--interval", type=float, default=10.0, show_default=True, help="Seconds between passes.")
@click.option("--heartbeat", type=float, default=2.0, show_default=True, help="Seconds between heartbeats.")
@click.option("--orphan-after", type=float, default=60.0, show_default=True,
              help="A run whose heartbeat is this old (seconds) is adopted.")
@click.pass_context
def scheduler_cmd(ctx: click.Context, once: bool, interval: float, heartbeat: float, orphan_after: float,
                  **kw: Any) -> None:
    """The scheduler daemon: starts due runs, adopts runs of dead schedulers."""
    with _open(kw) as pp:
        for err in pp.loaded.errors:
            _say(ctx, f"ERROR {err} (its pipeline is not scheduled)", event="error", message=str(err))
        sched = pp.scheduler(heartbeat=heartbeat, stale_after=orphan_after)
        sched.report = lambda msg: _say(ctx, msg, event="scheduler", message=msg)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: sched.stop())
        sched.serve(interval=interval, once=once)


@click.command("logs")
@click.argument("pipeline_id")
@click.argument("task_id")
@_opts
@click.option("--date", default=None, help="Logical date of the run (default: the newest run).")
@click.option("--try", "try_number", type=int, default=None, help="Attempt number (default: all).")
@click.option("--map-index", type=int, default=None)
@click.pass_context
def logs_cmd(ctx: click.Context, pipeline_id: str, task_id: str, date: str | None, try_number: int | None,
             map_index: int | None, **kw: Any) -> None:
    """The stored log of each attempt of a task."""
    with _open(kw) as pp:
        rec = pp.find_run(pipeline_id, date)
        logs = [x for x in pp.store.logs(rec.run_id, task_id, map_index) if try_number in (None, x[1])]
        if not logs:
            raise ConfigError(f"no log for {task_id} in run {rec.run_id}"
                              f"{f' (try {try_number})' if try_number else ''}",
                              hint="tasks that never started have no log; check the task id with "
                                   f"`weir pipelines show {pipeline_id}`")
        for m, t, text in logs:
            head = f"--- {pipeline_id}.{task_id}{f'[{m}]' if m >= 0 else ''} {rec.logical_date[:19]} try {t} ---"
            if _json_mode(ctx):
                click.echo(json.dumps({"event": "log", "run_id": rec.run_id, "task": task_id, "map_index": m,
                                       "try": t, "text": text}))
            else:
                click.echo(head)
                click.echo(text.rstrip("\n") or "(no output)")


def register(cli: click.Group) -> None:
    """Add the orchestration commands to the ``weir`` group."""
    cli.add_command(pipelines_group)
    for cmd in (trigger_cmd, backfill_cmd, clear_cmd, scheduler_cmd, logs_cmd):
        cli.add_command(cmd)
