"""Running a project's stream nodes: pick them, build their sources and runners, run them
(one thread each), record the run in the ledger and make their tables visible to the
project's engine (pointer views, so ``source('streams', name)`` and ``weir show`` read them)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from weir.engines.duckdb import DuckDBEngine
from weir.errors import ConfigError, GraphError
from weir.formats.base import TableFormat
from weir.materialize.runtime import POINTERS, ensure_catalog
from weir.project.loader import Project
from weir.project.streams import StreamSpec, load_streams, side_tables
from weir.sql.relation import Relation, literal
from weir.state.ledger import Ledger
from weir.streaming.errors import StreamError
from weir.streaming.kafka import KafkaSource
from weir.streaming.runner import StreamRunner, StreamStats

log = logging.getLogger("weir.streaming")
CONNECT_TIMEOUT_ENV = "WEIR_STREAM__CONNECT_TIMEOUT"


def project_streams(project: Project, names: Sequence[str] | None = None) -> list[StreamSpec]:
    """The project's streams, or the named ones (unknown names are an error)."""
    specs = load_streams(project.root, project.root_package.config.get("stream-paths"), _vars(project))
    if not names:
        return specs
    by_name = {s.name: s for s in specs}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise GraphError(f"no stream named {', '.join(map(repr, missing))}",
                         hint="streams are declared in streams/*.yml: " + (", ".join(by_name) or "none yet"))
    return [by_name[n] for n in names]


def stream_format(project: Project, formats: dict[str, TableFormat], spec: StreamSpec) -> TableFormat:
    name = spec.table_format or project.target.table_format
    fmt = formats.get(name)
    if fmt is None or not fmt.supports_app_commits:
        raise ConfigError(f"stream {spec.name}: table_format {name!r} cannot carry stream offsets",
                          path=spec.path, line=spec.line, hint="streams write delta or iceberg tables")
    return fmt


def _vars(project: Project) -> dict[str, object]:
    return {**project.vars, **project.cli_vars}


def make_runner(project: Project, formats: dict[str, TableFormat], spec: StreamSpec, run_id: str,
                ledger: Ledger | None) -> StreamRunner:
    servers, consumer = spec.connection(_vars(project))
    if not servers:
        raise ConfigError(f"stream {spec.name} has no bootstrap_servers", path=spec.path, line=spec.line,
                          hint="set bootstrap_servers: host:port or $WEIR_STREAM__BOOTSTRAP_SERVERS")
    timeout = float(os.environ.get(CONNECT_TIMEOUT_ENV) or 60)
    source = KafkaSource(servers, spec.topics, spec.group or f"weir-{project.name}-{spec.name}",
                         start=spec.start, options=consumer, connect_timeout=timeout)
    dlq = None
    if spec.dead_letter_topic:
        from weir.streaming.publish import Publisher

        dlq = Publisher(servers)
    return StreamRunner(spec, stream_format(project, formats, spec), spec.target_schema or project.target.schema,
                        source, project_root=project.root, run_id=run_id,
                        node_id=f"stream.{project.name}.{spec.name}", ledger=ledger, dead_letter_producer=dlq)


@dataclass
class StreamRun:
    run_id: str
    stats: dict[str, StreamStats] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)


def run_streams(project: Project, formats: dict[str, TableFormat], specs: list[StreamSpec], *, run_id: str,
                ledger: Ledger | None, max_batches: int | None = None, until_idle: float | None = None,
                stop: threading.Event | None = None) -> StreamRun:
    """Run ``specs`` until each ends (``max_batches``/``until_idle``) or ``stop`` is set."""
    runners = [make_runner(project, formats, s, run_id, ledger) for s in specs]
    out = StreamRun(run_id)
    started = time.time()
    if ledger is not None:
        ledger.start_run(run_id, "stream", project.name, project.target.name,
                         {"streams": [s.name for s in specs], "max_batches": max_batches, "until_idle": until_idle})

    def work(r: StreamRunner) -> None:
        try:
            out.stats[r.spec.name] = r.run(max_batches=max_batches, until_idle=until_idle)
        except BaseException as exc:  # handed to the caller, which reports it
            out.errors[r.spec.name] = exc
            out.stats[r.spec.name] = r.stats

    threads = [threading.Thread(target=work, args=(r,), name=f"stream-{r.spec.name}", daemon=True) for r in runners]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if stop is not None and stop.is_set():
            for r in runners:
                r.stop()
        for t in threads:
            t.join(0.2)
    if ledger is not None:
        _record(ledger, project, out, runners, started)
    return out


def _record(ledger: Ledger, project: Project, out: StreamRun, runners: list[StreamRunner], started: float) -> None:
    now = time.time()
    rows = []
    for r in runners:
        s = out.stats.get(r.spec.name, r.stats)
        err = out.errors.get(r.spec.name)
        msg = (f"{s.batches} batches, {s.messages} messages, {s.written} written, "
               f"{s.dead_letters} dead letters, {s.late} late")
        rows.append((out.run_id, r.node_id, r.spec.name, "stream", "error" if err else "success", s.written,
                     now - started, f"{err}" if err else msg, None, started, now))
    ledger.flush(rows, [])
    ledger.finish_run(out.run_id, "error" if out.errors else "success")


def register_tables(engine: DuckDBEngine, project: Project, formats: dict[str, TableFormat],
                    specs: list[StreamSpec]) -> int:
    """Point the engine's catalog at each stream table that exists (views over its newest version)."""
    ensure_catalog(engine)
    done = 0
    for spec in specs:
        try:
            fmt = stream_format(project, formats, spec)
        except ConfigError:
            continue
        schema = spec.target_schema or project.target.schema
        for ident in side_tables(spec):
            rel = Relation(schema=schema, identifier=ident, type="table")
            version = fmt.version(rel)
            if version is None:
                continue
            engine.ensure_schema(schema)
            pointer = (f"insert or replace into {POINTERS} values ({literal(schema)}, {literal(ident)}, "
                       f"{literal(fmt.name)}, {version})")
            engine.create_view(rel, fmt.scan_sql(rel), also=pointer)
            done += 1
    return done


def first_error(run: StreamRun) -> BaseException | None:
    for name, exc in run.errors.items():
        if isinstance(exc, StreamError | ConfigError):
            return exc
        log.debug("stream %s failed", name, exc_info=exc)
        return exc
    return None


__all__ = ["StreamRun", "first_error", "make_runner", "project_streams", "register_tables", "run_streams"]


