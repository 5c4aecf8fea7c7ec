"""Likelemba rules that need no database: due dates and whose turn it is."""

from datetime import UTC, datetime
from types import SimpleNamespace

from app.likelemba.cycles import add_period, next_beneficiary


def at(year, month, day):
    return datetime(year, month, day, 9, 0, tzinfo=UTC)


def test_a_weekly_cycle_is_due_seven_days_later():
    assert add_period(at(2026, 12, 28), "weekly") == at(2027, 1, 4)


def test_a_monthly_cycle_is_due_the_same_day_next_month():
    assert add_period(at(2026, 12, 7), "monthly") == at(2027, 1, 7)


def test_the_31st_falls_on_the_last_day_of_a_shorter_month():
    assert add_period(at(2027, 1, 31), "monthly") == at(2027, 2, 28)
    assert add_period(at(2028, 1, 31), "monthly") == at(2028, 2, 29)


def member(position, status="accepted", received=False):
    return SimpleNamespace(
        position=position, status=status, received_at=at(2026, 1, 1) if received else None
    )


def test_the_next_beneficiary_is_the_first_in_list_order_not_yet_paid():
    members = [member(1, received=True), member(2), member(3)]
    assert next_beneficiary(members) is members[1]


def test_a_member_who_left_is_skipped_and_the_rotation_closes_up():
    members = [member(1, received=True), member(2, status="left"), member(3)]
    assert next_beneficiary(members) is members[2]


def test_nobody_is_next_once_everyone_still_in_was_paid():
    members = [member(1, received=True), member(2, status="left"), member(3, received=True)]
    assert next_beneficiary(members) is None
