"""When a post office is open: its hours read in Brazzaville time (UTC+1)."""

from datetime import UTC, datetime, timedelta

from app.network.directory import is_open, today

HOURS = {"mon": [["08:00", "12:00"], ["14:00", "17:00"]], "sat": [["08:00", "12:00"]]}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of the week of Monday 30 November 2026, given in UTC."""
    return datetime(2026, 11, 30, hour, minute, tzinfo=UTC) + timedelta(days=day)


def test_an_office_opens_at_its_first_minute_in_brazzaville_time():
    assert not is_open(HOURS, at(0, 6, 59))  # 07:59 in Brazzaville
    assert is_open(HOURS, at(0, 7, 0))  # 08:00


def test_an_office_is_closed_from_its_closing_minute():
    assert is_open(HOURS, at(0, 10, 59))  # 11:59
    assert not is_open(HOURS, at(0, 11, 0))  # 12:00


def test_a_lunch_break_is_closed():
    assert not is_open(HOURS, at(0, 12, 0))  # 13:00
    assert is_open(HOURS, at(0, 13, 0))  # 14:00


def test_a_day_without_hours_is_closed():
    assert not is_open(HOURS, at(1, 9, 0))  # Tuesday 10:00
    assert not is_open({}, at(0, 9, 0))
    assert not is_open(None, at(0, 9, 0))


def test_the_day_is_the_brazzaville_day():
    sunday_2330_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 00:30 there
    assert today(sunday_2330_utc) == "mon"
    assert is_open(HOURS, at(5, 8, 0))  # Saturday 09:00
