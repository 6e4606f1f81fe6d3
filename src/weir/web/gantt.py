"""A pipeline run's task instances as Gantt bars: each bar's offset and width in percent of
the run's time span (the run's start to its end, or to now while it runs)."""

from __future__ import annotations

from typing import Any


def gantt(tasks: list[dict[str, Any]], run_start: float | None, run_end: float | None,
          now: float) -> dict[str, Any]:
    """``{"start", "span_s", "bars": [{task_id, map_index, state, left, width, ...}]}``; a task
    that has not started has no bar (left/width None)."""
    starts = [t["started_at"] for t in tasks if t["started_at"] is not None]
    start = min([s for s in (run_start, *starts) if s is not None], default=None)
    ends = [t["finished_at"] if t["finished_at"] is not None else now for t in tasks if t["started_at"] is not None]
    end = run_end if run_end is not None else now
    end = max([end, *ends])
    span = max((end - start) if start is not None else 0.0, 1e-3)
    bars = []
    for t in tasks:
        bar: dict[str, Any] = {"task_id": t["task_id"], "map_index": t["map_index"], "state": t["state"],
                               "try_number": t["try_number"], "max_tries": t["max_tries"],
                               "duration_s": t["duration_s"], "left": None, "width": None}
        if t["started_at"] is not None and start is not None:
            finish = t["finished_at"] if t["finished_at"] is not None else now
            bar["left"] = round(100.0 * (t["started_at"] - start) / span, 3)
            # a bar at least 0.4 % wide, so instant tasks stay visible
            bar["width"] = round(max(100.0 * (finish - t["started_at"]) / span, 0.4), 3)
            bar["left"] = min(bar["left"], 100.0 - bar["width"])
        bars.append(bar)
    return {"start": start, "span_s": span if start is not None else None, "bars": bars}
