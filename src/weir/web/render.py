"""Jinja rendering of the UI's pages: one environment, the templates of ``weir.web.templates``,
and filters that format times, durations, sizes and states for people."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from weir.checks.report import display_name, format_value, sparkline
from weir.web import templates

DASH = "\u2013"


def when(ts: float | str | None) -> str:
    """POSIX seconds (or ISO text) as ``YYYY-MM-DD HH:MM:SS`` in UTC (the UI shows UTC only)."""
    if ts is None or ts == "":
        return DASH
    if isinstance(ts, str):
        return ts.replace("T", " ")[:19]
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def duration(seconds: float | None) -> str:
    """``0.25 s``, ``12.3 s``, ``4m 05s``, ``2h 03m``."""
    if seconds is None:
        return DASH
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def size(nbytes: int | None) -> str:
    if nbytes is None:
        return DASH
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def number(value: Any) -> str:
    return DASH if value is None else format_value(value)


def state_class(state: str | None) -> str:
    """CSS class of a run, task or check state."""
    s = (state or "none").lower()
    if s in ("success", "pass"):
        return "ok"
    if s in ("error", "fail", "failed", "upstream_failed"):
        return "bad"
    if s in ("running", "up_for_retry", "queued", "scheduled"):
        return "busy"
    if s == "warn":
        return "warn"
    return "none"


def spark(points: list[dict[str, Any]], base: str) -> Markup:
    """The data-docs sparkline, its points linking to the UI's run pages."""
    svg = sparkline(points, width=140)
    return Markup(re.sub(r'href="#run-', f'href="{base}/runs/', svg))


def to_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` element (``</`` cannot end it early)."""
    return Markup(json.dumps(value, default=str).replace("</", "<\\/"))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.DictLoader(templates.TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=when, duration=duration, size=size, number=number, state=state_class,
                       display=display_name, spark=spark, tojson_script=to_json)
    return env


def render(name: str, context: dict[str, Any], fragment: str | None = None) -> str:
    """The page ``name``, or only its block ``fragment`` (what live updates fetch)."""
    template = environment().get_template(name)
    if fragment is None:
        return template.render(context)
    block = template.blocks.get(fragment)
    if block is None:
        raise KeyError(fragment)
    return "".join(block(template.new_context(context)))
