"""One attempt of one task instance, in a worker thread or a forked process.

An attempt's log is what the task printed (stdout/stderr of its thread are routed to a per-attempt
buffer), what it wrote to ``context.log``, and the traceback of its error.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

from weir.errors import TransientError
from weir.orchestration.operators import Sensor
from weir.orchestration.tasks import SkipTask, TaskTimeout

MAX_LOG_CHARS = 1_000_000
_local = threading.local()


class _Router(io.TextIOBase):
    """Writes go to the current thread's attempt buffer, or to the real stream outside attempts."""

    def __init__(self, original: Any) -> None:
        self._original = original

    def write(self, text: str) -> int:
        buf = getattr(_local, "buf", None)
        if buf is not None:
            return buf.write(text)
        return self._original.write(text)

    def flush(self) -> None:
        if getattr(_local, "buf", None) is None:
            self._original.flush()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


def install_capture() -> None:
    """Route sys.stdout/sys.stderr through per-thread attempt buffers (idempotent)."""
    if not isinstance(sys.stdout, _Router):
        sys.stdout = _Router(sys.stdout)
    if not isinstance(sys.stderr, _Router):
        sys.stderr = _Router(sys.stderr)


@dataclass
class Outcome:
    """How an attempt ended: success, failed, skipped or reschedule (a sensor not yet satisfied)."""

    status: str
    value: Any = None
    error: str | None = None
    log: str = ""
    transient: bool = False
    timed_out: bool = False
    cached: bool = False


def is_transient(exc: BaseException) -> bool:
    """Errors a retry may cure: weir's TransientError and network-ish OS errors."""
    if isinstance(exc, TaskTimeout):
        return False
    return bool(getattr(exc, "transient", False)) or isinstance(
        exc, TransientError | ConnectionError | TimeoutError | socket.gaierror)


def _cache(job: Any, task: Any, ctx: Any) -> tuple[str | None, Any]:
    from weir.orchestration.taskflow import task_arguments

    key = task.cache_key_fn(ctx, task_arguments(task))
    if key is None:
        return None, None
    full = f"{ctx.pipeline_id}/{task.task_id}/{key}"
    hit, value = ctx.store.cache_get(full)
    return full, (hit, value)


def run_in_thread(job: Any) -> Outcome:
    """Render, bind and execute the task of ``job`` (an executor job) in the current thread."""
    buf = io.StringIO()
    job.ctx._sink = buf
    _local.buf = buf
    try:
        task = job.task
        if task.templated_fields():
            task = task.prepared(job.ctx.as_dict())
        task = task.bind(job.results_get, job.map_kwargs)
        job.ctx.task = task
        cache_key = None
        if task.cache_key_fn is not None and not job.in_child:
            cache_key, found = _cache(job, task, job.ctx)
            if cache_key is not None and found[0]:
                print(f"cache hit: reusing the result stored under key {cache_key}")
                return Outcome("success", found[1], log=buf.getvalue(), cached=True)
        if isinstance(task, Sensor):
            ok = task.poke(job.ctx)
            return Outcome("success" if ok else "reschedule", None, log=buf.getvalue())
        value = task.execute(job.ctx)
        if cache_key is not None:
            exp = task.cache_expiration
            job.ctx.store.cache_put(cache_key, job.ctx.pipeline_id, task.task_id, value,
                                    None if exp is None else time.time() + exp)
        return Outcome("success", value, log=buf.getvalue())
    except SkipTask as exc:
        print(f"skipped: {exc.message}")
        return Outcome("skipped", log=buf.getvalue())
    except BaseException as exc:  # a task's error of any kind is its failure, never the executor's
        if isinstance(exc, KeyboardInterrupt | SystemExit) and not job.in_child:
            raise
        buf.write(traceback.format_exc())
        return Outcome("failed", error=f"{type(exc).__name__}: {exc}", log=buf.getvalue(),
                       transient=is_transient(exc), timed_out=isinstance(exc, TaskTimeout))
    finally:
        _local.buf = None


def _child(conn: Any, job: Any) -> None:
    job.in_child = True
    try:
        out = run_in_thread(job)
        try:
            conn.send(out)
        except Exception as exc:  # an unpicklable return value
            conn.send(Outcome("failed", error=f"result of {job.task.task_id} cannot be sent back: {exc}",
                              log=out.log))
    finally:
        os._exit(0)  # skip the parent's atexit handlers (open engines, the ledger)


def run_in_process(job: Any, timeout: float | None) -> Outcome:
    """Run the attempt in a forked child; kill it when it overruns ``timeout``."""
    mp = multiprocessing.get_context("fork")
    recv, send = mp.Pipe(duplex=False)
    proc = mp.Process(target=_child, args=(send, job), daemon=True)
    proc.start()
    send.close()
    try:
        if recv.poll(timeout):
            try:
                return recv.recv()  # type: ignore[no-any-return]
            except EOFError:
                proc.join()
                return Outcome("failed", error=f"task process exited with code {proc.exitcode} before finishing")
        proc.kill()
        proc.join()
        return Outcome("failed", error=f"TaskTimeout: killed after {timeout:g}s (execution_timeout)", timed_out=True,
                       log=f"process {proc.pid} killed after {timeout:g}s (execution_timeout)\n")
    finally:
        recv.close()
        if proc.is_alive():
            proc.join(1)
