"""Outbound SMS: recorded in the caller's transaction, delivered by a job after commit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import transaction
from app.db.jobs import OutboxJob
from app.notify import SmsMessage, deliver_message, record_delivery_report, send_sms
from app.notify.gateways import GatewayUnavailable, SendResult, gateway_of, recording_outbox

TO = "+242061234567"


def send(**overrides):
    values = {
        "to": TO,
        "template": "error.invalid_otp",
        "language": "fr",
        "params": {"attempts_left": 2},
    }
    values.update(overrides)
    with transaction() as session:
        return send_sms(session, **values).id


def load(runtime, message_id):
    """The message as committed, detached so that it can be read after the session."""
    with runtime.unit_of_work() as uow:
        message = uow.session.get(SmsMessage, message_id)
        uow.session.expunge(message)
        return message


def test_a_message_is_sent_after_commit_in_the_customers_language(runtime):
    message_id = send(language="ln")
    assert recording_outbox(runtime) == [(TO, "Code ebongi te. Otikali na mbala 2 ya komeka.")]
    message = load(runtime, message_id)
    assert message.status == "sent"
    assert message.attempts == 1
    assert message.provider_message_id == "rec-1"
    assert message.sent_at is not None


def test_nothing_is_sent_when_the_transaction_rolls_back(runtime):
    with pytest.raises(RuntimeError), transaction() as session:
        send_sms(session, to=TO, template="sms.welcome", language="fr", params={"first_name": "A"})
        raise RuntimeError("the payment failed")
    assert recording_outbox(runtime) == []
    with runtime.unit_of_work() as uow:
        assert uow.session.scalars(select(SmsMessage)).all() == []


def test_a_code_reaches_the_phone_but_is_stored_masked(runtime):
    message_id = send(
        template="sms.otp.withdrawal",
        params={"amount": "5 000 FCFA", "minutes": 15},
        secret="482913",
        purpose="otp",
    )
    ((_, text),) = recording_outbox(runtime)
    assert "482913" in text
    message = load(runtime, message_id)
    assert "482913" not in message.body
    assert "******" in message.body
    assert message.secret_encrypted is None  # handed over: no longer kept


def test_the_code_is_kept_encrypted_until_delivery(runtime):
    with transaction() as session:
        message = send_sms(
            session,
            to=TO,
            template="sms.otp.withdrawal",
            language="fr",
            params={"amount": "5 000 FCFA", "minutes": 15},
            secret="482913",
        )
        session.flush()
        assert message.secret_encrypted is not None
        assert "482913" not in message.secret_encrypted
        session.rollback()


def test_a_code_passed_as_a_parameter_is_refused(session):
    with pytest.raises(ValueError, match="secret"):
        send_sms(
            session,
            to=TO,
            template="sms.otp.withdrawal",
            language="fr",
            params={"code": "482913", "amount": "1 FCFA", "minutes": 5},
        )


def test_text_is_transliterated_to_gsm7(runtime):
    send(template="sms.welcome", params={"first_name": "Fran\u00e7oise \u00ab Fifi \u00bb"})
    ((_, text),) = recording_outbox(runtime)
    assert 'Francoise " Fifi "' in text
    assert "\u00e7" not in text


def test_a_text_longer_than_one_sms_is_refused(session):
    with pytest.raises(ValueError, match="over 160"):
        send_sms(
            session, to=TO, template="sms.welcome", language="fr", params={"first_name": "x" * 100}
        )


def test_a_recipient_that_is_not_e164_is_refused(session):
    with pytest.raises(ValueError, match=r"E\.164"):
        send_sms(session, to="061234567", template="error.error", language="fr", params={})


def test_an_unknown_language_is_sent_in_french(runtime):
    message_id = send(language="sw")
    assert load(runtime, message_id).language == "fr"
    assert recording_outbox(runtime)[0][1].startswith("Code incorrect")


def test_one_message_per_dedupe_key_however_often_it_is_asked(runtime):
    first = send(dedupe_key="receipt:transfer-1:sender")
    second = send(dedupe_key="receipt:transfer-1:sender")
    assert first == second
    assert len(recording_outbox(runtime)) == 1


def test_delivering_twice_sends_once(runtime):
    message_id = send()
    with transaction() as session:
        deliver_message(session, message_id, gateway_of(runtime))
    assert len(recording_outbox(runtime)) == 1
    assert load(runtime, message_id).attempts == 1


def test_a_refusal_for_good_fails_the_message_without_retry(runtime):
    gateway_of(runtime).outcomes.append(
        SendResult("failed", "ATXid_1", "XAF 0", failure_reason="InvalidPhoneNumber")
    )
    message_id = send(
        secret="482913", template="sms.otp.withdrawal", params={"amount": "1 FCFA", "minutes": 5}
    )
    message = load(runtime, message_id)
    assert message.status == "failed"
    assert message.failure_reason == "InvalidPhoneNumber"
    assert message.secret_encrypted is None
    with runtime.unit_of_work() as uow:
        job = uow.session.scalars(select(OutboxJob)).one()
        uow.session.expunge(job)
    assert job.status == "done"


def test_a_provider_outage_counts_the_attempt_and_leaves_the_message_queued(runtime):
    gateway_of(runtime).outcomes.append(GatewayUnavailable("provider error: 503"))
    message_id = send()
    message = load(runtime, message_id)
    assert message.status == "queued"
    assert message.attempts == 1
    assert message.failure_reason == "provider error: 503"
    with runtime.unit_of_work() as uow:
        job = uow.session.scalars(select(OutboxJob)).one()
        uow.session.expunge(job)
    assert job.status == "failed"
    assert "GatewayUnavailable" in job.last_error


def test_a_queued_message_goes_out_when_its_job_runs_again(runtime):
    from workers.outbox import retry_failed

    gateway_of(runtime).outcomes.append(GatewayUnavailable("provider unreachable"))
    message_id = send()
    assert retry_failed(runtime) == 1
    message = load(runtime, message_id)
    assert message.status == "sent"
    assert message.attempts == 2
    assert message.failure_reason is None


def job_row(runtime):
    with runtime.unit_of_work() as uow:
        job = uow.session.scalars(select(OutboxJob)).one()
        uow.session.expunge(job)
        return job


@pytest.fixture
def held(runtime, monkeypatch):
    """Committed jobs wait for the test to run them (as if no worker had taken them yet)."""
    monkeypatch.setattr(runtime.queue, "runner", lambda _outbox_id: None)


def test_a_worker_killed_after_the_provider_took_the_text_sends_it_once_more(
    runtime, held, monkeypatch
):
    """The delivery and its job's "done" are one commit (``in_job_transaction``).

    Killed between the provider's answer and that commit, nothing of the run is
    kept: the retry sends the text again (the one window docs/DEPLOY.md names)
    and, once committed, never again.
    """
    from workers.outbox import run

    message_id = send()
    outbox_id = job_row(runtime).id
    gateway = gateway_of(runtime)
    sent = gateway.send

    def killed(sms):
        sent(sms)
        raise KeyboardInterrupt  # SIGKILL: nothing after the provider's answer runs

    monkeypatch.setattr(gateway, "send", killed)
    with pytest.raises(KeyboardInterrupt):
        run(outbox_id, runtime)
    assert (load(runtime, message_id).status, load(runtime, message_id).attempts) == ("queued", 0)
    assert (job_row(runtime).status, job_row(runtime).attempts) == ("pending", 0)

    monkeypatch.setattr(gateway, "send", sent)
    run(outbox_id, runtime)  # rq's retry
    run(outbox_id, runtime)  # and a duplicate of it
    assert len(recording_outbox(runtime)) == 2
    assert load(runtime, message_id).status == "sent"
    job = job_row(runtime)
    assert (job.status, job.attempts, job.last_error) == ("done", 1, None)
    assert job.done_at is not None


def test_an_unexpected_error_rolls_the_delivery_back_and_records_the_job_failed(
    runtime, held, monkeypatch
):
    from workers.outbox import run

    message_id = send()
    outbox_id = job_row(runtime).id
    gateway_of(runtime).outcomes.append(RuntimeError("a bug"))
    with pytest.raises(RuntimeError):
        run(outbox_id, runtime)
    message = load(runtime, message_id)
    assert (message.status, message.attempts) == ("queued", 0)
    job = job_row(runtime)
    assert (job.status, job.attempts) == ("failed", 1)  # no rq retry left in-process
    assert job.last_error == "RuntimeError: a bug"
    assert recording_outbox(runtime) == []


def test_a_code_that_expired_before_sending_is_not_sent(runtime, clock):
    from datetime import timedelta

    gateway_of(runtime).outcomes.append(GatewayUnavailable("provider unreachable"))
    message_id = send(
        template="sms.otp.withdrawal",
        params={"amount": "1 FCFA", "minutes": 5},
        secret="482913",
        expires_at=clock.now() + timedelta(minutes=5),
    )
    clock.advance(minutes=5)
    with transaction() as session:
        deliver_message(session, message_id, gateway_of(runtime))
    message = load(runtime, message_id)
    assert message.status == "failed"
    assert message.failure_reason == "expired before it could be sent"
    assert message.secret_encrypted is None
    assert recording_outbox(runtime) == []


def report(runtime, provider_id, status, reason=None):
    with transaction() as session:
        message = record_delivery_report(
            session, provider_message_id=provider_id, status=status, failure_reason=reason
        )
        return message.id if message else None


def test_a_success_report_marks_the_message_delivered(runtime):
    message_id = send()
    assert report(runtime, "rec-1", "Success") == message_id
    message = load(runtime, message_id)
    assert message.status == "delivered"
    assert message.delivered_at is not None


def test_a_failed_report_records_the_reason(runtime):
    message_id = send()
    report(runtime, "rec-1", "Failed", "AbsentSubscriber")
    message = load(runtime, message_id)
    assert message.status == "failed"
    assert message.failure_reason == "AbsentSubscriber"
    assert message.undelivered


def test_a_rejected_report_marks_the_message_rejected(runtime):
    message_id = send()
    report(runtime, "rec-1", "Rejected", "UserInBlackList")
    assert load(runtime, message_id).status == "rejected"


def test_a_late_intermediate_report_does_not_undo_a_final_one(runtime):
    message_id = send()
    report(runtime, "rec-1", "Success")
    report(runtime, "rec-1", "Buffered")
    assert load(runtime, message_id).status == "delivered"


def test_a_report_for_an_unknown_message_is_ignored(runtime):
    assert report(runtime, "ATXid_unknown", "Success") is None


def test_an_unknown_report_status_changes_nothing(runtime):
    message_id = send()
    report(runtime, "rec-1", "Teleported")
    assert load(runtime, message_id).status == "sent"
