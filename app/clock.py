"""The one clock the domain reads.

Domain code calls ``clock.now()`` and never ``datetime.now``; tests replace the
source with a ``FrozenClock`` they can set and advance, so expiry, daily limits
and sweeps are tested without sleeping.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    def __init__(self, at: datetime | None = None) -> None:
        self._now = at or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = at

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class _ClockProxy:
    def __init__(self) -> None:
        self.source: SystemClock | FrozenClock = SystemClock()

    def now(self) -> datetime:
        return self.source.now()

    def use(self, source: SystemClock | FrozenClock) -> None:
        self.source = source


clock = _ClockProxy()

LOCAL_TZ = ZoneInfo("Africa/Brazzaville")


def local_day_bounds(day: date, tz: ZoneInfo = LOCAL_TZ) -> tuple[datetime, datetime]:
    """UTC instants that bound a calendar day in Brazzaville time."""
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def local_today(tz: ZoneInfo = LOCAL_TZ) -> date:
    return clock.now().astimezone(tz).date()


def local_month_start(tz: ZoneInfo = LOCAL_TZ) -> datetime:
    now_local = clock.now().astimezone(tz)
    return now_local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
