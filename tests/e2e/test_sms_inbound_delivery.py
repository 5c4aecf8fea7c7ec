"""What reaches the phone: the ENVOI answer carries the code and can be had again at once
when a delivery report says it failed; receipts go out once per movement however often
their jobs run; the whole path works through Africa's Talking's SDK against a local fake."""

import pytest
from sqlalchemy import select

from app.db import transaction
from app.notify import SmsMessage
from app.notify.gateways import SERVICE_NAME, AfricasTalkingGateway
from app.sms.inbound.models import InboundSms
from app.transfers.models import Transfer
from app.transfers.receipts import p2p_receipts
from tests import factories
from tests.e2e.payments_support import wallet_of
from tests.e2e.sms_support import answer, ask, code_in, texts_to
from tests.fake_africastalking import FakeProvider, recipients_answer
from workers.sms import deliver


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno", last_name="Ngoma", language="ln")


def reply_provider_id(runtime, provider_id):
    """The provider's id of the answer to the inbound message ``provider_id``."""
    with transaction(runtime) as session:
        row = session.scalar(select(InboundSms).where(InboundSms.provider_id == provider_id))
        return session.get(SmsMessage, row.reply_message_id).provider_message_id


def report(client, provider_message_id, status, reason=None):
    data = {"id": provider_message_id, "status": status, "phoneNumber": "+242061234567"}
    if reason:
        data["failureReason"] = reason
    assert client.post("/sms/delivery-reports", data=data).status_code == 200


# --- The code, again -------------------------------------------------------------------


def test_a_failed_code_is_sent_again_at_once_by_renvoi(client, app, runtime, awa, bruno):
    code = code_in(answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000", provider_id="m1"))
    report(client, reply_provider_id(runtime, "m1"), "Failed", "AbsentSubscriber")
    (again,) = ask(client, app, awa.msisdn, "RENVOI")
    assert code_in(again) == code and "Bruno N." in again and "5 050 FCFA" in again
    ask(client, app, awa.msisdn, f"OUI {code}")
    assert wallet_of(runtime, bruno) == 5_000


def test_a_rejected_code_is_sent_again_at_once_too(client, app, runtime, awa, bruno):
    code = code_in(answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000", provider_id="m1"))
    report(client, reply_provider_id(runtime, "m1"), "Rejected", "DeliveryFailure")
    assert code_in(answer(client, app, awa.msisdn, "renvoi")) == code


def test_renvoi_of_a_code_not_reported_failed_waits_for_the_cooldown(
    client, app, clock, awa, bruno
):
    code = code_in(answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000"))
    # "être" loses its accent: GSM-7 has no "ê".
    assert answer(client, app, awa.msisdn, "RENVOI") == (
        "PostCash : le code a déjà été envoyé. Attendez 60 s avant d'écrire RENVOI."
    )
    clock.advance(seconds=60)
    assert code_in(answer(client, app, awa.msisdn, "RENVOI")) == code


def test_renvoi_in_lingala_resends_in_the_customers_words(client, app, runtime, bruno, awa):
    with transaction(runtime) as session:
        factories.fund(session, f"wallet:{bruno.id}", 10_000)
    first = answer(client, app, bruno.msisdn, f"TINDA {awa.msisdn} 1000", provider_id="m1")
    report(client, reply_provider_id(runtime, "m1"), "Failed", "AbsentSubscriber")
    assert answer(client, app, bruno.msisdn, "tinda lisusu") == first


def test_renvoi_with_nothing_pending_says_so(client, app, awa):
    assert "aucun envoi en attente" in answer(client, app, awa.msisdn, "RENVOI")


def test_renvoi_after_the_code_expired_says_so(client, app, clock, awa, bruno):
    answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000")
    clock.advance(minutes=6)
    assert answer(client, app, awa.msisdn, "RENVOI") == (
        "Code expiré ou déjà utilisé. Recommencez l'opération."
    )


# --- Receipts --------------------------------------------------------------------------


def test_receipts_go_out_once_per_party_however_often_their_jobs_run(
    client, app, runtime, awa, bruno
):
    code = code_in(answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000"))
    answer(client, app, awa.msisdn, f"OUI {code}")
    with transaction(runtime) as session:
        message_ids = session.scalars(select(SmsMessage.id)).all()
        transfer = session.scalars(select(Transfer)).one()
        p2p_receipts(session, transfer)  # a completion follow-up run again
    sent_before = texts_to(app, awa.msisdn) + texts_to(app, bruno.msisdn)
    for message_id in message_ids:
        deliver(message_id)  # the delivery job, run a second and a third time
        deliver(message_id)
    assert texts_to(app, awa.msisdn) + texts_to(app, bruno.msisdn) == sent_before
    with transaction(runtime) as session:
        receipts = session.scalars(
            select(SmsMessage.to_msisdn).where(SmsMessage.purpose == "receipt")
        ).all()
    assert sorted(receipts) == sorted([awa.msisdn, bruno.msisdn])


# --- Through Africa's Talking's SDK ---------------------------------------------------


@pytest.fixture
def provider():
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@pytest.fixture
def africastalking(runtime, provider):
    gateway = AfricasTalkingGateway(
        "postcash", "at-key-123", "POSTCASH", base_url=provider.base_url
    )
    runtime.services[SERVICE_NAME] = gateway
    return gateway


def test_send_resend_and_confirm_through_the_africastalking_sdk(
    client, runtime, awa, bruno, africastalking, provider
):
    from tests.e2e.sms_support import text

    provider.answers.append(recipients_answer(awa.msisdn, message_id="ATXid_envoi"))
    assert text(client, awa.msisdn, f"ENVOI {bruno.msisdn} 5000").status_code == 200
    first = provider.requests[-1]["form"]
    assert (first["to"], first["from"]) == (awa.msisdn, "POSTCASH")
    code = code_in(first["message"])

    report(client, "ATXid_envoi", "Failed", "AbsentSubscriber")
    provider.answers.append(recipients_answer(awa.msisdn, message_id="ATXid_again"))
    text(client, awa.msisdn, "RENVOI")
    assert provider.requests[-1]["form"]["message"] == first["message"]

    text(client, awa.msisdn, f"OUI {code}")
    receipts = {r["form"]["to"]: r["form"]["message"] for r in provider.requests[-2:]}
    assert "94 950 FCFA" in receipts[awa.msisdn]
    assert "ozwi 5 000 FCFA" in receipts[bruno.msisdn]
    assert len(provider.requests) == 4
    assert (wallet_of(runtime, awa), wallet_of(runtime, bruno)) == (94_950, 5_000)
