"""Run progress: a live Rich table on a terminal, plain lines otherwise, JSON on request."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from weir.materialize.runtime import NodeResult

STATUS_STYLE = {
    "success": "green", "pass": "green", "warn": "yellow", "fail": "red", "error": "red", "skipped": "dim",
    "running": "cyan",
}


class Progress:
    """Receives executor events and renders them."""

    def __init__(self, total: int, names: dict[str, tuple[str, str]], *, log_format: str = "text",
                 console: Console | None = None) -> None:
        self.total = total
        self.names = names
        self.log_format = log_format
        self.console = console or Console(stderr=False)
        self.tty = self.console.is_terminal and log_format == "text"
        self.done = 0
        self.lock = threading.Lock()
        self.rows: dict[str, dict[str, Any]] = {}
        self.live: Live | None = None

    def __enter__(self) -> Progress:
        if self.tty:
            self.live = Live(self._table(), console=self.console, refresh_per_second=8, transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.__exit__(*exc)

    def _table(self) -> Table:
        t = Table(box=None, show_header=True, header_style="bold")
        for col in ("#", "node", "type", "status", "rows", "time"):
            t.add_column(col)
        for row in list(self.rows.values())[-40:]:
            style = STATUS_STYLE.get(row["status"], "")
            t.add_row(str(row["i"]), row["name"], row["type"], f"[{style}]{row['status']}[/{style}]",
                      "" if row["rows"] is None else f"{row['rows']:,}", row["time"])
        t.caption = f"{self.done} of {self.total} done"
        return t

    def __call__(self, event: str, result: NodeResult | None, uid: str) -> None:
        with self.lock:
            name, kind = self.names.get(uid, (uid, ""))
            if event == "start":
                self.rows[uid] = {"i": len(self.rows) + 1, "name": name, "type": kind, "status": "running",
                                  "rows": None, "time": "", "t0": time.time()}
            elif result is not None:
                self.done += 1
                row = self.rows.setdefault(uid, {"i": len(self.rows) + 1, "name": name, "type": kind})
                row.update(status=result.status, rows=result.rows, time=f"{result.duration:.2f}s")
                self._emit(result)
            if self.live is not None:
                self.live.update(self._table())

    def _emit(self, r: NodeResult) -> None:
        if self.log_format == "json":
            print(json.dumps({"event": "node_done", "unique_id": r.unique_id, "name": r.name,
                              "resource_type": r.resource_type, "status": r.status, "rows": r.rows,
                              "duration_s": round(r.duration, 4), "relation": r.relation,
                              "version": r.version, "message": r.message}), flush=True)
        elif not self.tty:
            rows = "" if r.rows is None else f" rows={r.rows}"
            version = "" if r.version is None else f" version={r.version}"
            where = f" {r.relation}" if r.relation else ""
            print(f"{self.done:>4} of {self.total} {r.status.upper():<7} {r.resource_type:<8} {r.name}{where}"
                  f"{rows}{version} [{r.duration:.2f}s]", flush=True)


def summary(results: list[NodeResult], duration: float, console: Console, log_format: str) -> None:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    if log_format == "json":
        print(json.dumps({"event": "run_done", "duration_s": round(duration, 3), "counts": counts}), flush=True)
        return
    for r in results:
        if r.status in ("error", "fail", "warn"):
            style = STATUS_STYLE[r.status]
            console.print(f"[{style}]{r.status.upper()}[/{style}] {r.resource_type} {r.name}: {r.message}",
                          highlight=False, soft_wrap=True)
    ok = counts.get("success", 0) + counts.get("pass", 0)
    text = (f"Done in {duration:.2f}s. OK={ok} WARN={counts.get('warn', 0)} "
            f"ERROR={counts.get('error', 0) + counts.get('fail', 0)} SKIP={counts.get('skipped', 0)} "
            f"TOTAL={len(results)}")
    console.print(text, highlight=False)
