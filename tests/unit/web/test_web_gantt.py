"""Gantt bars: offsets and widths in percent of the run's span; unstarted tasks have none."""

from __future__ import annotations

from weir.web.gantt import gantt


def _task(task_id: str, start: float | None, end: float | None, state: str = "success") -> dict:
    return {"task_id": task_id, "map_index": -1, "state": state, "try_number": 1, "max_tries": 1,
            "started_at": start, "finished_at": end, "duration_s": None if start is None or end is None else end - start}


def test_bars_are_placed_on_the_run_span() -> None:
    g = gantt([_task("a", 100.0, 102.0), _task("b", 102.0, 110.0), _task("c", None, None, "none")],
              100.0, 110.0, now=200.0)
    assert g["start"] == 100.0 and g["span_s"] == 10.0
    a, b, c = g["bars"]
    assert (a["left"], a["width"]) == (0.0, 20.0)
    assert (b["left"], b["width"]) == (20.0, 80.0)
    assert c["left"] is None and c["width"] is None


def test_a_running_task_extends_to_now_and_instant_tasks_stay_visible() -> None:
    g = gantt([_task("a", 0.0, 0.0), _task("b", 0.0, None, "running")], 0.0, None, now=50.0)
    a, b = g["bars"]
    assert g["span_s"] == 50.0
    assert a["width"] == 0.4 and a["left"] == 0.0
    assert (b["left"], b["width"]) == (0.0, 100.0)


def test_no_task_started() -> None:
    g = gantt([_task("a", None, None, "none")], None, None, now=5.0)
    assert g["start"] is None and g["span_s"] is None and g["bars"][0]["left"] is None
