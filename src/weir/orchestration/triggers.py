"""Trigger rules: given the final states of a task's upstreams, run it or end it as
``skipped``/``upstream_failed`` (Airflow's semantics, decided once every upstream is done)."""

from __future__ import annotations

from collections.abc import Sequence


def decide(rule: str, states: Sequence[str | None]) -> str:
    """'run', 'skipped' or 'upstream_failed'."""
    if not states or rule in ("always", "all_done"):
        return "run"
    failed = sum(s in ("failed", "upstream_failed") for s in states)
    success = sum(s == "success" for s in states)
    skipped = sum(s == "skipped" for s in states)
    if rule == "all_success":
        return "run" if success == len(states) else ("upstream_failed" if failed else "skipped")
    if rule == "all_failed":
        return "run" if failed == len(states) else "skipped"
    if rule == "one_failed":
        return "run" if failed else "skipped"
    if rule == "one_success":
        return "run" if success else ("upstream_failed" if failed == len(states) else "skipped")
    if rule == "none_failed":
        return "upstream_failed" if failed else "run"
    if rule == "none_failed_min_one_success":
        return "upstream_failed" if failed else ("run" if success else "skipped")
    if rule == "none_skipped":
        return "skipped" if skipped else "run"
    raise ValueError(f"unknown trigger rule {rule!r}")
