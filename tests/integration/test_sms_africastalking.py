"""The Africa's Talking gateway, through the official SDK, against a local fake provider."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.config import Config
from app.db import transaction
from app.db.jobs import OutboxJob
from app.notify import SmsMessage, send_sms
from app.notify.gateways import (
    SERVICE_NAME,
    AfricasTalkingGateway,
    GatewayUnavailable,
    OutgoingSms,
    build_gateway,
)
from tests.fake_africastalking import Answer, FakeProvider, recipients_answer

TO = "+242061234567"


@pytest.fixture
def provider():
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@pytest.fixture
def gateway(provider):
    return AfricasTalkingGateway("postcash", "at-key-123", "POSTCASH", base_url=provider.base_url)


@pytest.fixture
def installed(runtime, gateway):
    runtime.services[SERVICE_NAME] = gateway
    return gateway


def outgoing(text="Bonjour"):
    return OutgoingSms("m-1", TO, text, text)


def test_messages_in_a_row_reuse_one_connection_to_the_provider(gateway, provider):
    for n in range(3):
        assert gateway.send(outgoing(f"Bonjour {n}")).status == "sent"
    assert len({request["client_port"] for request in provider.requests}) == 1


def test_each_thread_has_its_own_connection(gateway, provider):
    import threading

    thread = threading.Thread(target=gateway.send, args=(outgoing("Bonjour"),))
    thread.start()
    thread.join()
    gateway.send(outgoing("Bonsoir"))
    assert len({request["client_port"] for request in provider.requests}) == 2


def test_a_message_is_posted_the_way_the_provider_expects(gateway, provider):
    result = gateway.send(outgoing("PostCash : code 482913"))
    (request,) = provider.requests
    assert request["path"] == "/version1/messaging"
    assert request["api_key"] == "at-key-123"
    assert request["form"] == {
        "username": "postcash",
        "to": TO,
        "message": "PostCash : code 482913",
        "bulkSMSMode": "1",
        "from": "POSTCASH",
    }
    assert (result.status, result.provider_message_id, result.cost) == (
        "sent",
        "ATXid_0001",
        "XAF 25.0000",
    )


def test_the_sandbox_username_talks_to_the_sandbox():
    gateway = AfricasTalkingGateway("sandbox", "key")
    assert gateway.base_url == "https://api.sandbox.africastalking.com/version1"


def test_the_live_username_talks_to_the_live_service():
    gateway = AfricasTalkingGateway("postcash", "key")
    assert gateway.base_url == "https://api.africastalking.com/version1"


def test_an_answer_with_a_charset_is_understood_too(gateway, provider):
    provider.answers.append(
        recipients_answer(TO, content_type="application/json; charset=utf-8", message_id="ATX_9")
    )
    assert gateway.send(outgoing()).provider_message_id == "ATX_9"


def test_an_invalid_number_is_refused_for_good(gateway, provider):
    provider.answers.append(recipients_answer(TO, status="InvalidPhoneNumber", code=403))
    result = gateway.send(outgoing())
    assert (result.status, result.failure_reason) == ("failed", "InvalidPhoneNumber")


def test_a_blacklisted_user_is_refused_for_good(gateway, provider):
    provider.answers.append(recipients_answer(TO, status="UserInBlacklist", code=406))
    assert gateway.send(outgoing()).status == "failed"


def test_a_server_error_is_worth_retrying(gateway, provider):
    provider.answers.append(Answer(500, "Internal Server Error", "text/plain"))
    with pytest.raises(GatewayUnavailable, match="provider error"):
        gateway.send(outgoing())


def test_a_provider_side_hiccup_for_the_recipient_is_worth_retrying(gateway, provider):
    provider.answers.append(recipients_answer(TO, status="InsufficientBalance", code=405))
    with pytest.raises(GatewayUnavailable, match="InsufficientBalance"):
        gateway.send(outgoing())


def test_an_answer_without_recipients_is_worth_retrying(gateway, provider):
    body = {"SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}}
    provider.answers.append(Answer(201, json.dumps(body)))
    with pytest.raises(GatewayUnavailable, match="InvalidSenderId"):
        gateway.send(outgoing())


def test_an_unreachable_provider_is_worth_retrying(gateway, provider):
    provider.stop()
    with pytest.raises(GatewayUnavailable, match="unreachable"):
        gateway.send(outgoing())


def test_africastalking_without_an_api_key_refuses_to_start():
    with pytest.raises(RuntimeError, match="AT_API_KEY"):
        build_gateway(Config(SMS_BACKEND="africastalking", AT_API_KEY=None))


def send_code(runtime):
    with transaction() as session:
        message = send_sms(
            session,
            to=TO,
            template="sms.otp.withdrawal",
            language="fr",
            params={"amount": "5 000 FCFA", "minutes": 15},
            secret="482913",
            purpose="otp",
        )
        return message.id


def load(runtime, model, ident=None):
    with runtime.unit_of_work() as uow:
        row = uow.session.get(model, ident) if ident else uow.session.scalars(select(model)).one()
        uow.session.expunge(row)
        return row


def test_the_job_records_the_providers_id_and_cost(runtime, installed, provider):
    message_id = send_code(runtime)
    assert "482913" in provider.requests[0]["form"]["message"]
    message = load(runtime, SmsMessage, message_id)
    assert (message.status, message.provider_message_id, message.cost) == (
        "sent",
        "ATXid_0001",
        "XAF 25.0000",
    )
    assert message.secret_encrypted is None


def test_an_invalid_number_fails_the_message_and_its_job_is_done(runtime, installed, provider):
    provider.answers.append(recipients_answer(TO, status="InvalidPhoneNumber", code=403))
    message_id = send_code(runtime)
    message = load(runtime, SmsMessage, message_id)
    assert (message.status, message.failure_reason) == ("failed", "InvalidPhoneNumber")
    assert load(runtime, OutboxJob).status == "done"


def test_a_provider_error_leaves_the_message_queued_for_a_retry(runtime, installed, provider):
    provider.answers.append(Answer(500, "Internal Server Error", "text/plain"))
    message_id = send_code(runtime)
    message = load(runtime, SmsMessage, message_id)
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.secret_encrypted is not None  # still needed by the retry
