"""Registering in the app proves the number: a code texted to it, then POST /customers/{id}/verify.

Awa registers +242061234567. Until she types the 6-digit code sent to that
number she is no customer: no wallet, no sign-in, nothing paid to the number.
The right code makes her an active basic-tier customer with an empty wallet
and a welcome SMS; a registration left unverified for 15 minutes lapses and
the number can register again.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import ledger
from app.customers.models import Customer, Registration
from app.customers.service import find_by_msisdn
from app.db import transaction
from app.ledger import chart
from app.ledger.errors import AccountNotFound
from app.notify import SmsMessage
from tests import factories
from tests.e2e.payments_support import sms_to

AWA = "+242061234567"


def templates_sent(runtime, msisdn):
    with transaction(runtime) as session:
        return list(
            session.scalars(
                select(SmsMessage.template)
                .where(SmsMessage.to_msisdn == msisdn)
                .order_by(SmsMessage.created_at)
            )
        )


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_registration_waits_for_the_code_texted_to_the_number(client, app, runtime, clock):
    pending = factories.registration(client, msisdn="06 123 4567")

    assert pending["status"] == "pending_verification"
    assert (pending["msisdn"], pending["kyc_tier"], pending["display_name"]) == (
        AWA,
        "basic",
        "Awa M.",
    )
    assert pending["otp"]["attempts_left"] == 3
    assert pending["otp"]["expires_at"] == (clock.now() + timedelta(minutes=15)).isoformat()
    assert "wallet" not in pending and "pin" not in pending
    assert templates_sent(runtime, AWA) == ["sms.otp.registration"]
    assert len(factories.sms_code(app, AWA, digits=6)) == 6


def test_an_unverified_registration_has_no_customer_and_no_wallet(client, runtime):
    pending = factories.registration(client, msisdn=AWA)

    with transaction(runtime) as session:
        assert find_by_msisdn(session, AWA) is None
        assert session.get(Customer, pending["id"]) is None
        with pytest.raises(AccountNotFound):
            ledger.get_account(session, chart.wallet(pending["id"]))


def test_the_right_code_activates_the_customer_with_an_empty_wallet(client, app, runtime):
    pending = factories.registration(client, msisdn=AWA, pin="4826")

    response = factories.verify(client, app, pending)

    assert response.status_code == 200, response.get_json()
    customer = response.get_json()
    assert (customer["id"], customer["status"], customer["kyc_tier"]) == (
        pending["id"],
        "active",
        "basic",
    )
    assert customer["wallet"] == {"available": 0, "pending": 0, "posted": 0, "currency": "XAF"}
    with transaction(runtime) as session:
        account = ledger.get_account(session, chart.wallet(pending["id"]))
        assert (account.type, account.allow_overdraft) == ("liability", False)
        stored = session.get(Customer, pending["id"]).pin_hash
        assert stored.startswith("$pcpep$v1$argon2id$") and "4826" not in stored
        assert session.scalar(select(func.count()).select_from(Registration)) == 0
    assert factories.login(client, AWA, pin="4826")


def test_the_welcome_sms_comes_after_verification_in_the_customers_language(client, app, runtime):
    pending = factories.registration(client, msisdn="051234567", first_name="Bruno", language="ln")
    assert "sms.welcome" not in templates_sent(runtime, "+242051234567")

    factories.verify(client, app, pending)

    assert templates_sent(runtime, "+242051234567") == ["sms.otp.registration", "sms.welcome"]
    assert "Bruno" in sms_to(app, "+242051234567")[-1]


def test_a_wrong_code_counts_and_says_how_many_tries_are_left(client, app):
    pending = factories.registration(client, msisdn=AWA)
    code = factories.sms_code(app, AWA, digits=6)

    first = factories.verify(client, app, pending, code=wrong(code))
    second = factories.verify(client, app, pending, code=wrong(code))

    assert (first.status_code, first.get_json()["code"]) == (422, "invalid_otp")
    assert [r.get_json()["attempts_left"] for r in (first, second)] == [2, 1]
    assert factories.verify(client, app, pending, code=code).status_code == 200


def test_the_third_wrong_code_ends_the_registration(client, app, runtime):
    pending = factories.registration(client, msisdn=AWA)
    code = factories.sms_code(app, AWA, digits=6)
    for _ in range(2):
        factories.verify(client, app, pending, code=wrong(code))

    third = factories.verify(client, app, pending, code=wrong(code))
    then_right = factories.verify(client, app, pending, code=code)

    assert third.get_json()["code"] == "otp_attempts_exceeded"
    assert then_right.get_json()["code"] == "otp_attempts_exceeded"
    with transaction(runtime) as session:
        assert find_by_msisdn(session, AWA) is None


def test_a_registration_lapses_after_15_minutes(client, app, runtime, clock):
    pending = factories.registration(client, msisdn=AWA)
    code = factories.sms_code(app, AWA, digits=6)
    clock.advance(minutes=15)

    response = factories.verify(client, app, pending, code=code)

    assert (response.status_code, response.get_json()["code"]) == (422, "otp_expired")
    with transaction(runtime) as session:
        assert find_by_msisdn(session, AWA) is None


def test_a_lapsed_registration_lets_the_number_register_again(client, app, clock):
    first = factories.registration(client, msisdn=AWA, first_name="Intrus")
    clock.advance(minutes=15)

    second = factories.registration(client, msisdn=AWA)

    assert second["id"] != first["id"]
    assert factories.verify(client, app, first, code="123456").get_json()["code"] == "not_found"
    verified = factories.verify(client, app, second)
    assert (verified.status_code, verified.get_json()["first_name"]) == (200, "Awa")


def test_a_number_waiting_for_its_code_is_a_conflict_until_it_lapses(client, clock):
    factories.registration(client, msisdn=AWA)
    clock.advance(minutes=14, seconds=59)

    again = client.post(
        "/api/v1/customers",
        json={"msisdn": AWA, "first_name": "Awa", "last_name": "Mabiala", "pin": "2580"},
    )

    assert (again.status_code, again.get_json()["code"]) == (409, "conflict")


def test_a_registered_number_cannot_register_again(client, app):
    factories.verify(client, app, factories.registration(client, msisdn=AWA))

    again = client.post(
        "/api/v1/customers",
        json={"msisdn": "061234567", "first_name": "Autre", "last_name": "Nom", "pin": "2580"},
    )

    assert (again.status_code, again.get_json()["code"]) == (409, "conflict")


def test_verifying_twice_activates_once(client, app, runtime):
    pending = factories.registration(client, msisdn=AWA)
    code = factories.sms_code(app, AWA, digits=6)
    assert factories.verify(client, app, pending, code=code).status_code == 200

    again = factories.verify(client, app, pending, code=code)

    assert (again.status_code, again.get_json()["code"]) == (422, "invalid_state")
    assert templates_sent(runtime, AWA).count("sms.welcome") == 1


def test_an_unknown_registration_is_not_found(client):
    response = client.post("/api/v1/customers/no-such-id/verify", json={"otp": "123456"})

    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("body", [{}, {"otp": 123456}, {"otp": ""}])
def test_a_missing_or_malformed_code_is_a_validation_error(client, body):
    pending = factories.registration(client, msisdn=AWA)

    response = client.post(f"/api/v1/customers/{pending['id']}/verify", json=body)

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


def test_sign_in_before_verification_is_answered_as_for_an_unknown_number(client):
    factories.registration(client, msisdn=AWA)

    pending = client.post("/api/v1/auth/login", json={"msisdn": AWA, "pin": factories.PIN})
    unknown = client.post(
        "/api/v1/auth/login", json={"msisdn": "+242069999999", "pin": factories.PIN}
    )

    assert pending.status_code == unknown.status_code == 422  # as a first wrong PIN
    assert pending.get_json() == unknown.get_json()


def test_registering_over_ussd_takes_the_number_from_a_waiting_registration(client, app, runtime):
    pending = factories.registration(client, msisdn=AWA, first_name="Intrus")
    with transaction(runtime) as session:
        factories.customer(session, msisdn=AWA)  # as the USSD registration does

    response = factories.verify(client, app, pending)

    assert response.get_json()["code"] == "not_found"
    with transaction(runtime) as session:
        assert find_by_msisdn(session, AWA).first_name == "Awa"


def test_the_purge_job_forgets_lapsed_registrations_only(client, app, runtime, clock):
    from workers.customers import purge_registrations

    factories.registration(client, msisdn=AWA)
    clock.advance(minutes=10)
    recent = factories.registration(client)
    clock.advance(minutes=5)

    assert purge_registrations() == 1
    with transaction(runtime) as session:
        assert session.scalars(select(Registration.id)).all() == [recent["id"]]
