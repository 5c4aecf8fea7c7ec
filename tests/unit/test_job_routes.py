"""Where each job goes: one table (``app.db.queue.ROUTES``), codes before everything else."""

from __future__ import annotations

from app.db.queue import BULK, DEFAULT, PRIORITY, ROUTES, URGENT, queue_for
from app.notify.service import DELIVER_JOB, sms_route


def test_a_message_carrying_a_code_is_urgent_whatever_its_purpose():
    for purpose in ("otp", "remittance", "registration", "withdrawal", "anything"):
        assert queue_for(DELIVER_JOB, sms_route(purpose, has_code=True)) == URGENT


def test_receipts_and_notifications_go_to_the_default_queue():
    for purpose in ("receipt", "notification", "welcome", "security", "reply"):
        assert queue_for(DELIVER_JOB, sms_route(purpose, has_code=False)) == DEFAULT


def test_a_bulk_send_of_receipts_goes_to_the_bulk_queue():
    assert queue_for(DELIVER_JOB, sms_route("receipt", has_code=False, bulk=True)) == BULK


def test_bulk_payouts_wait_behind_everything_else():
    assert queue_for("workers.disbursements.process_batch") == BULK


def test_an_unknown_job_goes_to_the_default_queue():
    assert queue_for("workers.something.new") == DEFAULT


def test_every_route_names_a_known_queue():
    assert set(ROUTES.values()) <= set(PRIORITY)
