"""Schedules and data intervals, as in Airflow.

A run covers the interval [start, end) and is due at ``end``; its ``logical_date`` is ``start``.
Cron expressions (croniter) and presets are evaluated in the pipeline's timezone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from croniter.croniter import CroniterError

from weir.errors import ConfigError, WeirError

PRESETS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
           "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
Interval = tuple[dt.datetime, dt.datetime]


def iso(t: dt.datetime) -> str:
    """The ledger's form of a time: UTC, fixed width, so text order is time order."""
    return t.astimezone(dt.UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def parse_date(text: str | dt.datetime | dt.date, tz: dt.tzinfo) -> dt.datetime:
    """A user's date or datetime (``2024-01-05``, ISO text, or objects); naive means the pipeline's tz."""
    if isinstance(text, dt.datetime):
        value = text
    elif isinstance(text, dt.date):
        value = dt.datetime(text.year, text.month, text.day)
    else:
        try:
            value = dt.datetime.fromisoformat(str(text).strip())
        except ValueError:
            raise ConfigError(f"invalid date {text!r}", hint="use YYYY-MM-DD or an ISO datetime") from None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


class Schedule:
    """When a pipeline runs: ``None`` (manual only), ``"@once"``, a preset, a cron string or a timedelta."""

    def __init__(self, spec: str | dt.timedelta | None, start_date: dt.datetime | None,
                 end_date: dt.datetime | None, timezone: str = "UTC") -> None:
        try:
            self.tz: dt.tzinfo = dt.UTC if timezone in ("UTC", "utc") else ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise WeirError(f"unknown timezone {timezone!r}", hint="use an IANA name like 'Europe/Paris'") from None
        self.spec = spec
        self.start = parse_date(start_date, self.tz) if start_date is not None else None
        self.end = parse_date(end_date, self.tz) if end_date is not None else None
        self.cron: str | None = None
        self.delta: dt.timedelta | None = None
        if spec is None:
            self.kind = "none"
        elif isinstance(spec, dt.timedelta):
            if spec.total_seconds() <= 0:
                raise WeirError(f"schedule timedelta must be positive, not {spec}")
            self.kind, self.delta = "delta", spec
        elif spec == "@once":
            self.kind = "once"
        elif isinstance(spec, str):
            self.kind, self.cron = "cron", PRESETS.get(spec.strip(), spec.strip())
            try:
                croniter(self.cron, dt.datetime(2024, 1, 1, tzinfo=self.tz))
            except (CroniterError, ValueError, KeyError) as exc:
                raise WeirError(f"invalid cron schedule {spec!r}: {exc}",
                                hint="five fields 'minute hour day month weekday', or @hourly/@daily/@weekly/"
                                     "@monthly/@yearly/@once, or None") from None
        else:
            raise WeirError(f"schedule must be a cron string, preset, timedelta or None, not {spec!r}")
        if self.kind != "none" and self.start is None:
            raise WeirError("a scheduled pipeline needs a start_date")

    def __str__(self) -> str:
        return "None" if self.spec is None else str(self.spec)

    # -- fires -----------------------------------------------------------------------------------
    def _next_fire(self, t: dt.datetime) -> dt.datetime:
        """The first fire strictly after ``t``."""
        if self.delta is not None:
            assert self.start is not None
            k = (t - self.start) // self.delta + 1
            return self.start + max(k, 0) * self.delta
        assert self.cron is not None
        return croniter(self.cron, t.astimezone(self.tz)).get_next(dt.datetime)

    def _prev_fire(self, t: dt.datetime) -> dt.datetime:
        """The last fire at or before ``t``."""
        if self.delta is not None:
            assert self.start is not None
            return self.start + ((t - self.start) // self.delta) * self.delta
        assert self.cron is not None
        nxt = self._next_fire(t - dt.timedelta(seconds=1))
        if nxt <= t:
            return nxt
        return croniter(self.cron, t.astimezone(self.tz)).get_prev(dt.datetime)

    def interval_at(self, start: dt.datetime) -> Interval:
        """The interval beginning at ``start`` (a fire of this schedule)."""
        if self.kind in ("none", "once"):
            return start, start
        return start, self._next_fire(start)

    def first_interval(self) -> Interval | None:
        if self.kind == "none" or self.start is None:
            return None
        if self.kind == "once":
            return self.start, self.start
        return self.interval_at(self._next_fire(self.start - dt.timedelta(seconds=1)))

    def _in_range(self, iv: Interval) -> bool:
        return (self.start is None or iv[0] >= self.start) and (self.end is None or iv[0] <= self.end)

    def latest_complete(self, now: dt.datetime) -> Interval | None:
        """The newest interval that has ended by ``now``."""
        first = self.first_interval()
        if first is None or first[1] > now:
            return None
        if self.kind == "once":
            return first
        end = self._prev_fire(now)
        start = self._prev_fire(end - dt.timedelta(microseconds=1))
        iv = self.interval_at(start)
        if self.end is not None and iv[0] > self.end:
            iv = self.interval_at(self._prev_fire(self.end))
        return iv if self._in_range(iv) else None

    def intervals(self, after: dt.datetime | None, now: dt.datetime, limit: int = 1000) -> Iterator[Interval]:
        """Complete intervals by ``now``, oldest first, starting after the interval at ``after``."""
        iv = self.first_interval()
        if iv is None:
            return
        if after is not None:
            if self.kind == "once":
                return
            iv = self.interval_at(self._next_fire(after))
        for _ in range(limit):
            if iv[1] > now or not self._in_range(iv):
                return
            yield iv
            if self.kind == "once":
                return
            iv = self.interval_at(iv[1])

    def between(self, first: dt.datetime, last: dt.datetime, limit: int = 100_000) -> list[Interval]:
        """Intervals whose start lies in [first, last] (for backfills), aligned to the schedule."""
        if self.kind in ("none", "once"):
            return [(first, first)]
        out: list[Interval] = []
        t = self._next_fire(first - dt.timedelta(seconds=1))
        while t <= last and len(out) < limit:
            out.append(self.interval_at(t))
            t = out[-1][1]
        return out

    def manual_interval(self, logical_date: dt.datetime) -> Interval:
        """The data interval of a run triggered by hand for ``logical_date``."""
        if self.kind in ("none", "once"):
            return logical_date, logical_date
        return logical_date, self._next_fire(logical_date)

    def next_runs(self, n: int, now: dt.datetime) -> list[Interval]:
        """The next ``n`` intervals to end after ``now`` (what ``weir pipelines show`` lists)."""
        out: list[Interval] = []
        iv = self.first_interval()
        if iv is None:
            return out
        if iv[1] <= now and self.kind != "once":
            iv = self.interval_at(self._prev_fire(now))
        while len(out) < n and self._in_range(iv):
            if iv[1] > now:
                out.append(iv)
            if self.kind == "once":
                break
            iv = self.interval_at(iv[1])
        return out
