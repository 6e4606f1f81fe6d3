"""Anomaly detection on table metrics: is this run's value outside a robust band
around the same metric in the last N runs?

Two methods:

- ``mad`` (default): robust z = 0.6745 * (x - median) / MAD, where MAD is the median
  absolute deviation; flagged when |z| > threshold (default 3.5, Iglewicz & Hoaglin).
- ``zscore``: z = (x - mean) / sample standard deviation; flagged when |z| > threshold
  (default 3).

Degenerate spreads are defined, not divided by: when MAD is 0 (more than half the
history is one value) the mean absolute deviation around the median stands in,
scaled by 1.2533 so it estimates the same sigma; when that is 0 too (or the standard
deviation is 0 for ``zscore``) the history is constant, and any value different from
it is an anomaly with score ±inf while the same value is not.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from weir.checks.metrics import COLUMN_METRICS, TABLE_METRICS, TableMetrics
from weir.errors import ConfigError
from weir.state.ledger import Ledger

METHODS = ("mad", "zscore")
DEFAULT_THRESHOLDS = {"mad": 3.5, "zscore": 3.0}
DEFAULT_CONFIG: dict[str, Any] = {
    "metrics": ["row_count", "null_count"],
    "columns": None,
    "method": "mad",
    "window": 30,
    "weekday": False,
    "severity": "warn",
    "threshold": None,
    "min_history": 5,
}
_MAD_SCALE = 0.6745  # MAD of a standard normal: makes the robust z comparable to a z-score
_MEAN_AD_SCALE = 1.2533  # sqrt(pi/2): mean absolute deviation -> sigma for a normal


@dataclass(frozen=True)
class Anomaly:
    """A metric value outside its expected band ``[low, high]``."""

    metric: str
    column: str | None
    observed: float
    low: float
    high: float
    score: float
    method: str
    severity: str = "warn"
    history_size: int = 0

    @property
    def check_name(self) -> str:
        """The name this anomaly has among check results, e.g. ``anomaly_row_count``."""
        return f"anomaly_{self.metric}"

    @property
    def message(self) -> str:
        """One line for people: what, how far off, and the expected band."""
        where = f"{self.metric} of {self.column}" if self.column else self.metric
        score = "constant history" if math.isinf(self.score) else f"score {self.score:+.1f}"
        return (f"{where} = {_fmt(self.observed)} is outside the expected {_fmt(self.low)}..{_fmt(self.high)} "
                f"({self.method}, {score}, {self.history_size} earlier runs)")

    def as_check_result(self) -> dict[str, Any]:
        """A row for :meth:`Ledger.record_check_results` (status ``warn``, or ``fail`` for
        severity error)."""
        return {"check_name": self.check_name, "column_name": self.column, "severity": self.severity,
                "status": "fail" if self.severity == "error" else "warn",
                "observed": {"value": self.observed, "low": self.low, "high": self.high,
                             **({"score": round(self.score, 2)} if math.isfinite(self.score) else {})},
                "unexpected_count": None, "unexpected_percent": None, "message": self.message}

    def to_dict(self) -> dict[str, Any]:
        """Plain dict, for JSON output (an infinite score becomes None)."""
        out = asdict(self)
        out["score"] = self.score if math.isfinite(self.score) else None
        return out


def _fmt(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{x:,.0f}"
    return f"{x:,.2f}" if 1 <= abs(x) < 1e15 else f"{x:.4g}"


def _weekday(ts: float) -> int:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).weekday()


def detect(history: Sequence[float | None], current: float, *, method: str = "mad", min_history: int = 5,
           threshold: float | None = None, weekday: bool = False, timestamps: Sequence[float] | None = None,
           current_at: float | None = None, metric: str = "", column: str | None = None,
           severity: str = "warn") -> Anomaly | None:
    """Compare ``current`` with ``history`` (oldest first); an :class:`Anomaly` when it is
    outside the band, None when it is inside or the history is shorter than ``min_history``.

    With ``weekday=True`` only history points recorded on the same weekday (UTC) as
    ``current_at`` (default: now) count; ``timestamps`` are the history's POSIX times.
    None and non-finite history values are ignored.
    """
    if method not in METHODS:
        raise ConfigError(f"unknown anomaly method {method!r}; use one of {', '.join(METHODS)}")
    limit = DEFAULT_THRESHOLDS[method] if threshold is None else float(threshold)
    points = list(history)
    if weekday:
        if timestamps is None or len(timestamps) != len(points):
            raise ValueError("weekday=True needs one timestamp per history value")
        day = _weekday(time.time() if current_at is None else current_at)
        points = [v for v, ts in zip(points, timestamps, strict=True) if _weekday(ts) == day]
    values = [float(v) for v in points if v is not None and math.isfinite(v)]
    if len(values) < max(1, min_history) or not math.isfinite(current):
        return None
    center, sigma = _center_and_sigma(values, method)
    if sigma == 0:
        if math.isclose(current, center, rel_tol=1e-9, abs_tol=1e-12):
            return None
        score = math.copysign(math.inf, current - center)
        low = high = center
    else:
        score = (current - center) / sigma
        if abs(score) <= limit:
            return None
        low, high = center - limit * sigma, center + limit * sigma
    return Anomaly(metric=metric, column=column, observed=current, low=low, high=high, score=score,
                   method=method, severity=severity, history_size=len(values))


def _center_and_sigma(values: list[float], method: str) -> tuple[float, float]:
    """The band's center and the spread that one unit of score stands for."""
    if method == "zscore":
        mean = statistics.fmean(values)
        return mean, statistics.stdev(values) if len(values) > 1 else 0.0
    median = statistics.median(values)
    deviations = [abs(v - median) for v in values]
    mad = statistics.median(deviations)
    if mad > 0:
        return median, mad / _MAD_SCALE
    return median, _MEAN_AD_SCALE * statistics.fmean(deviations)


def anomaly_config(config: Any) -> dict[str, Any] | None:
    """A model's ``anomaly:`` config merged over the defaults, validated; None when
    disabled (``false`` or ``enabled: false``). ``true``/None/``{}`` mean the defaults."""
    if config is False:
        return None
    if config is None or config is True:
        config = {}
    if not isinstance(config, dict):
        raise ConfigError(f"anomaly config must be a mapping, got {type(config).__name__}: {config!r}")
    raw = dict(config)
    if raw.pop("enabled", True) is False:
        return None
    for key in raw:
        if key not in DEFAULT_CONFIG:
            close = difflib.get_close_matches(key, list(DEFAULT_CONFIG), n=1)
            raise ConfigError(f"unknown anomaly config key {key!r}",
                              hint=f"did you mean {close[0]!r}?" if close else
                              f"known keys: {', '.join(DEFAULT_CONFIG)}, enabled")
    out = {**DEFAULT_CONFIG, **raw}
    metrics = out["metrics"]
    if isinstance(metrics, str):
        metrics = [metrics]
    known = TABLE_METRICS + COLUMN_METRICS
    for name in metrics:
        if name not in known:
            close = difflib.get_close_matches(str(name), known, n=1)
            raise ConfigError(f"unknown anomaly metric {name!r}",
                              hint=f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}")
    out["metrics"] = list(metrics)
    if isinstance(out["columns"], str):
        out["columns"] = [out["columns"]]
    if out["method"] not in METHODS:
        raise ConfigError(f"unknown anomaly method {out['method']!r}; use one of {', '.join(METHODS)}")
    if out["severity"] not in ("warn", "error"):
        raise ConfigError(f"anomaly severity must be warn or error, not {out['severity']!r}")
    for key in ("window", "min_history"):
        if not isinstance(out[key], int) or isinstance(out[key], bool) or out[key] < 1:
            raise ConfigError(f"anomaly {key} must be a positive integer, not {out[key]!r}")
    if out["threshold"] is not None and (not isinstance(out["threshold"], int | float) or out["threshold"] <= 0):
        raise ConfigError(f"anomaly threshold must be a positive number, not {out['threshold']!r}")
    return out


def check_anomalies(ledger: Ledger, unique_id: str, metrics: TableMetrics, config: Any = None, *,
                    run_id: str | None = None, at: float | None = None) -> list[Anomaly]:
    """Compare ``metrics`` (this run's) with the node's history in ``ledger`` and return the
    anomalies. ``config`` is the model's ``anomaly:`` config (see :func:`anomaly_config`);
    ``run_id`` is this run, whose own recorded metrics are left out of the history; ``at``
    is this run's time for weekday comparison (default now)."""
    cfg = anomaly_config(config)
    if cfg is None:
        return []
    columns = set(cfg["columns"]) if cfg["columns"] else None
    # weekday mode keeps one in seven points: read enough runs to still fill the window
    limit = cfg["window"] * (7 if cfg["weekday"] else 1)
    found: list[Anomaly] = []
    for metric in cfg["metrics"]:
        current = [m for m in metrics.rows if m.metric == metric and m.value is not None
                   and (m.column is None or columns is None or m.column in columns)]
        if not current:
            continue
        histories = ledger.metric_histories(unique_id, metric, limit, exclude_run_id=run_id)
        for m in current:
            assert m.value is not None
            past = histories.get(m.column, [])
            if cfg["weekday"]:
                day = _weekday(time.time() if at is None else at)
                past = [p for p in past if _weekday(p[1]) == day]
            past = past[-cfg["window"]:]
            anomaly = detect([p[2] for p in past], m.value, method=cfg["method"],
                             min_history=cfg["min_history"], threshold=cfg["threshold"],
                             metric=metric, column=m.column, severity=cfg["severity"])
            if anomaly is not None:
                found.append(anomaly)
    return found
