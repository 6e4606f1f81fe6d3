"""Data docs: a static HTML page (and the same data as JSON) of check results, quarantined
rows and metric history per table, read from the run ledger.

The page is self-contained: inline CSS, sparklines drawn as inline SVG, no scripts and
no network. Every run has an anchor (``#run-<id>``) and every table one (``#t-<id>``),
so tables link to the runs that checked them and back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from html import escape
from pathlib import Path
from typing import Any

import jinja2
import sqlglot
from markupsafe import Markup
from sqlglot import exp
from sqlglot.errors import ParseError

from weir.checks.metrics import COLUMN_METRICS
from weir.checks.report_template import TEMPLATE
from weir.state.ledger import Ledger

QUARANTINE = "quarantine"
DASH = "\u2013"  # shown for a missing value
_STATUS_RANK = {"error": 4, "fail": 3, "warn": 2, "skip": 1, "pass": 0}
_METRIC_ORDER = {m: i for i, m in enumerate(("row_count", *COLUMN_METRICS))}


def worst_status(statuses: list[str]) -> str:
    """The most severe of ``statuses`` (error > fail > warn > skip > pass); ``none`` if empty."""
    if not statuses:
        return "none"
    return max(statuses, key=lambda s: _STATUS_RANK.get(s, 1))


def anchor(kind: str, key: str) -> str:
    """An HTML id for a run (``run``) or table (``t``)."""
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_.-]", "_", key)


def display_name(relation: str) -> str:
    """``"main"."orders"`` as people write it: ``main.orders`` (unchanged if not a name)."""
    try:
        table = sqlglot.parse_one(relation, into=exp.Table)
    except ParseError:
        return relation
    if not all(isinstance(p, exp.Identifier) for p in table.parts):
        return relation  # a table function or a file path: show as written
    return ".".join(p.name for p in table.parts) or relation


def build_report(ledger: Ledger, project_name: str, *, runs: int = 30) -> dict[str, Any]:
    """The report's data: tables (latest checks, quarantine, status and metric history over
    the last ``runs`` runs) and runs (newest first). Plain JSON-able values."""
    tables = [_table(ledger, node, runs) for node in ledger.checked_nodes()]
    tables.sort(key=lambda t: (-_STATUS_RANK.get(t["status"], 1), t["name"]))
    by_run: dict[str, list[dict[str, Any]]] = {}
    for t in tables:
        for h in t["status_history"]:
            by_run.setdefault(h["run_id"], []).append({"unique_id": t["unique_id"], "name": t["name"],
                                                       "status": h["status"]})
    run_list = []
    for r in ledger.quality_runs(max(runs, 50)):
        checked = {x["unique_id"]: x for x in by_run.get(r["run_id"], [])}
        nodes = [checked.get(uid) or {"unique_id": uid, "name": _name_of(tables, uid), "status": "none"}
                 for uid in r["nodes"]]
        run_list.append({**r, "status_checks": worst_status([n["status"] for n in nodes if n["status"] != "none"]),
                         "tables": nodes})
    latest = [c for t in tables for c in t["checks"]]
    return {
        "project": project_name,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "summary": {
            "tables": len(tables),
            "checks": len(latest),
            **{s: sum(1 for c in latest if c["status"] == s) for s in ("pass", "warn", "fail", "error")},
            "quarantined_rows": sum(t["quarantined_rows"] for t in tables),
        },
        "tables": tables,
        "runs": run_list,
    }


def _name_of(tables: list[dict[str, Any]], uid: str) -> str:
    return next((t["name"] for t in tables if t["unique_id"] == uid), uid)


def _table(ledger: Ledger, node: dict[str, Any], runs: int) -> dict[str, Any]:
    uid = node["unique_id"]
    history = ledger.check_history(uid, runs)
    run_order: list[str] = []
    per_run: dict[str, list[dict[str, Any]]] = {}
    for row in history:  # newest run first
        if row["run_id"] not in per_run:
            run_order.append(row["run_id"])
        per_run.setdefault(row["run_id"], []).append(row)
    latest_rows = per_run[run_order[0]] if run_order else []
    checks = [_clean(r) for r in latest_rows if r["check_name"] != QUARANTINE]
    quarantine = [_clean(r) for r in latest_rows if r["check_name"] == QUARANTINE]
    status_history = []
    for run_id in reversed(run_order):  # oldest first, as charts read
        rows = [r for r in per_run[run_id] if r["check_name"] != QUARANTINE]
        status_history.append({
            "run_id": run_id, "recorded_at": per_run[run_id][0]["recorded_at"],
            "status": worst_status([r["status"] for r in rows]),
            "counts": {s: sum(1 for r in rows if r["status"] == s) for s in ("pass", "warn", "fail", "error")},
        })
    flagged = {(r["run_id"], r["check_name"].removeprefix("anomaly_"), r["column_name"])
               for r in history if r["check_name"].startswith("anomaly_") and r["status"] != "pass"}
    metrics = _metrics(ledger.metric_series(uid, runs), flagged)
    row_count = next((m for m in metrics if m["metric"] == "row_count" and m["column"] is None), None)
    relation = node["relation"]
    return {
        "unique_id": uid,
        "name": display_name(relation) if relation else uid,
        "relation": relation,
        "anchor": anchor("t", uid),
        "status": worst_status([c["status"] for c in checks]),
        "latest_run_id": node["last_run_id"],
        "latest_at": node["last_recorded_at"],
        "checks_run_id": run_order[0] if run_order else None,
        "checks": checks,
        "quarantine": quarantine,
        "quarantined_rows": sum(int(q["unexpected_count"] or 0) for q in quarantine),
        "row_count": row_count["latest"] if row_count else None,
        "status_history": status_history,
        "metrics": metrics,
    }


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _finite(v) for k, v in row.items() if k not in ("recorded_at",)}


def _finite(v: Any) -> Any:
    """JSON has no NaN or infinity: they become None (recursively)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_finite(x) for x in v]
    return v


def _metrics(series: list[dict[str, Any]], flagged: set[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
    """Group ledger rows into one series per (column, metric), table-level first, then
    columns in the order the table has them."""
    grouped: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
    column_order: dict[str | None, int] = {None: -1}
    for row in series:
        col = row["column_name"]
        column_order.setdefault(col, len(column_order))
        grouped.setdefault((col, row["metric"]), []).append({
            "run_id": row["run_id"], "recorded_at": row["recorded_at"], "value": _finite(row["value"]),
            "text": row["text_value"], "anomaly": (row["run_id"], row["metric"], col) in flagged,
        })
    out = []
    for (col, metric), points in grouped.items():
        last = points[-1]
        out.append({"column": col, "metric": metric, "points": points, "latest": last["value"],
                    "latest_text": last["text"]})
    out.sort(key=lambda m: (column_order[m["column"]], _METRIC_ORDER.get(m["metric"], 99), m["metric"]))
    return out


# -- rendering -------------------------------------------------------------------------
def sparkline(points: list[dict[str, Any]], *, width: int = 120, height: int = 28) -> str:
    """An inline SVG line of ``points`` (dicts with value, run_id, recorded_at, text,
    anomaly): gaps for missing values, each point a link to its run with a tooltip, the
    last point and anomalies marked."""
    pad = 4
    values = [p["value"] for p in points if p["value"] is not None]
    label = f"{len(values)} runs"
    svg = [f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{escape(label)}">']
    if not values:
        svg.append(f'<text x="{pad}" y="{height / 2 + 4:.1f}" class="spark-empty">no data</text></svg>')
        return "".join(svg)
    lo, hi = min(values), max(values)
    n = len(points)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        y = height / 2 if hi == lo else pad + (height - 2 * pad) * (1 - (v - lo) / (hi - lo))
        return x, y

    segments: list[list[tuple[float, float]]] = [[]]
    for i, p in enumerate(points):
        if p["value"] is None:
            segments.append([])
        else:
            segments[-1].append(xy(i, p["value"]))
    for seg in segments:
        if len(seg) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            svg.append(f'<polyline class="spark-line" points="{path}"/>')
    for i, p in enumerate(points):
        if p["value"] is None:
            continue
        x, y = xy(i, p["value"])
        last = i == n - 1
        cls = "spark-anomaly" if p.get("anomaly") else ("spark-last" if last else "spark-pt")
        r = 3 if p.get("anomaly") or last else 1.6
        tip = f"{format_value(p['value'], p.get('text'))} · {format_time(p['recorded_at'])} · run {p['run_id']}"
        svg.append(f'<a href="#{escape(anchor("run", p["run_id"]))}"><circle class="{cls}" cx="{x:.1f}" '
                   f'cy="{y:.1f}" r="{r}"><title>{escape(tip)}</title></circle></a>')
    svg.append("</svg>")
    return "".join(svg)


def format_value(value: Any, text: str | None = None) -> str:
    """A metric value for people: the text form for dates, thousands separators for counts."""
    if text:
        return text
    if value is None:
        return DASH
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    size = abs(value)
    if size >= 1e15 or size < 1e-3:
        return f"{value:.3e}"
    if size >= 1e4:
        return f"{value:,.1f}"
    if size >= 1:
        return f"{value:,.2f}"
    return f"{value:.4g}"


def format_observed(value: Any, limit: int = 90) -> str:
    """A check's observed value (any JSON value) on one short line."""
    if value is None:
        return DASH
    if isinstance(value, dict):
        text = ", ".join(f"{k}={format_value(v) if isinstance(v, int | float) else v}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = format_value(value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_time(ts: float | None) -> str:
    """POSIX seconds as local ``YYYY-MM-DD HH:MM``."""
    if ts is None:
        return DASH
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def format_percent(value: float | None) -> str:
    """A percentage with precision where it matters (0.004 % is not 0 %)."""
    if value is None:
        return DASH
    return f"{value:.2f} %" if value >= 0.01 or value == 0 else f"{value:.2g} %"


def _by_column(metrics: Any) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    """Column-level metric series as (column, {metric: series}) in table order."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for m in metrics:
        out.setdefault(m["column"], {})[m["metric"]] = m
    return list(out.items())


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(value=format_value, observed=format_observed, when=format_time, percent=format_percent,
                       spark=lambda pts, width=120: Markup(sparkline(pts, width=width)), run_anchor=lambda rid: anchor("run", rid),
                       groupby_column=_by_column, label=lambda s: "no checks" if s == "none" else s)
    return env.from_string(TEMPLATE).render(r=report, column_metrics=COLUMN_METRICS)


def write_report(ledger: Ledger, out_dir: Path, project_name: str, *, runs: int = 30) -> Path:
    """Write ``index.html`` and ``report.json`` into ``out_dir``; returns the HTML path."""
    report = build_report(ledger, project_name, runs=runs)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, allow_nan=False, default=str) + "\n",
                                         encoding="utf-8")
    path = out_dir / "index.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path
