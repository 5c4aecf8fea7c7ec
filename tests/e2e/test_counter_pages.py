"""The counter's web pages (/counter) through Flask's test client.

Every page needs a signed-in agent; every form its CSRF token; every money
operation a confirmation whose key pays once; every domain error a French
message on the page. The browser suite (tests/browser) walks the same pages
in Chromium.
"""

import re

import pytest

from app.auth.tokens import AuthToken
from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.e2e.counter_support import (
    confirm,
    csrf,
    find,
    hidden,
    operate,
    preview,
    sign_in,
    text_of,
)
from tests.e2e.payments_support import available, float_of, post, wallet_of


@pytest.fixture
def counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=500_000, username="guichet.pp")


@pytest.fixture
def signed_in(client, counter):
    response = sign_in(client, counter.username)
    assert response.status_code == 303, text_of(response)
    return client


@pytest.fixture
def electricity(runtime):
    with transaction(runtime) as session:
        return factories.biller(session).biller.code


# -- signing in ------------------------------------------------------------------------


def test_every_page_needs_a_signed_in_agent(client):
    for path in ("/counter/", "/counter/cash-in", "/counter/history", "/counter/till"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/counter/login" in response.headers["Location"]


def test_an_agent_signs_in_with_password_and_totp(client, counter):
    response = sign_in(client, counter.username)
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/counter" in cookie
    page = client.get("/counter/")
    assert "guichet.pp — Bureau de poste de Poto-Poto" in text_of(page)


def test_the_cookie_carries_no_token_the_api_accepts(client, app, counter):
    sign_in(client, counter.username)
    cookie = client.get_cookie("postcash_counter", path="/counter")
    state = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    sealed = state["counter"]["token"]
    answer = client.get("/api/v1/agent/float", headers=factories.bearer(sealed))
    assert answer.status_code == 401


def test_a_wrong_totp_code_is_refused_in_french(client, counter):
    response = sign_in(client, counter.username, code="000000")
    assert response.status_code == 401
    assert "Identifiant, mot de passe ou code incorrect." in text_of(response)
    assert client.get("/counter/").status_code == 302


def test_five_failures_lock_the_account(client, counter, clock):
    for _ in range(5):
        sign_in(client, counter.username, code="000000")
    clock.advance(seconds=30)
    response = sign_in(client, counter.username)
    assert response.status_code == 401
    assert "Compte bloqué" in text_of(response)


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_LOGIN": "2/minute"}])
def test_sign_ins_share_the_rest_doors_rate_limit(client, counter):
    sign_in(client, counter.username, code="000000")
    sign_in(client, counter.username, code="000000")
    response = sign_in(client, counter.username)
    assert response.status_code == 429
    assert "Trop de demandes" in text_of(response)


def test_an_admin_cannot_use_the_counter(client, runtime):
    with transaction(runtime) as session:
        admin = factories.admin(session)
    response = sign_in(client, admin.username)
    assert response.status_code == 401
    with transaction(runtime) as session:
        live = session.query(AuthToken).filter(AuthToken.revoked_at.is_(None)).count()
    assert live == 0


def test_the_session_times_out_after_fifteen_idle_minutes(signed_in, clock, runtime):
    clock.advance(minutes=14)
    assert signed_in.get("/counter/").status_code == 200
    clock.advance(minutes=14)  # 14 minutes since the last request: still alive
    assert signed_in.get("/counter/").status_code == 200
    clock.advance(minutes=15, seconds=1)
    response = signed_in.get("/counter/")
    assert response.status_code == 302
    assert "login.expired" in response.headers["Location"]
    page = signed_in.get(response.headers["Location"])
    assert "Session expirée" in text_of(page)
    with transaction(runtime) as session:
        assert session.query(AuthToken).filter(AuthToken.revoked_at.is_(None)).count() == 0


@pytest.mark.parametrize("config_overrides", [{"COUNTER_IDLE_TIMEOUT": 60}])
def test_the_idle_timeout_is_configurable(signed_in, clock):
    clock.advance(seconds=61)
    assert signed_in.get("/counter/").status_code == 302


def test_signing_out_revokes_the_session(signed_in, runtime):
    response = signed_in.post("/counter/logout", data={"csrf_token": csrf(signed_in)})
    assert response.status_code == 303
    assert signed_in.get("/counter/").status_code == 302
    with transaction(runtime) as session:
        assert session.query(AuthToken).filter(AuthToken.revoked_at.is_(None)).count() == 0


# -- CSRF ------------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_is_refused(signed_in, runtime, awa, counter):
    response = signed_in.post("/counter/cash-in", data={"msisdn": awa.msisdn, "amount": "5000"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in text_of(response)


def test_a_confirmation_without_its_csrf_token_pays_nothing(signed_in, runtime, awa, counter):
    shown = preview(signed_in, "cash-in", msisdn=awa.msisdn, amount=5_000)
    data = {"payload": hidden(shown, "payload"), "key": hidden(shown, "key")}
    assert signed_in.post("/counter/cash-in/confirm", data=data).status_code == 400
    data["csrf_token"] = "forged"
    assert signed_in.post("/counter/cash-in/confirm", data=data).status_code == 400
    assert wallet_of(runtime, awa) == 100_000


def test_sign_in_itself_needs_the_csrf_token(client, counter):
    data = {"username": counter.username, "password": factories.PASSWORD, "totp": "123456"}
    assert client.post("/counter/login", data=data).status_code == 400


# -- finding a customer ----------------------------------------------------------------


def test_find_a_customer_by_any_accepted_number_format(signed_in, awa):
    local = "0" + awa.msisdn.removeprefix("+2420")
    page = text_of(find(signed_in, local))
    assert awa.msisdn in page
    assert "Actif" in page and "Basique" in page
    assert "Reste aujourd'hui" in page


def test_recent_operations_are_named_in_french_at_brazzaville_time(signed_in, awa):
    operate(signed_in, "cash-in", msisdn=awa.msisdn, amount=1_000)
    page = text_of(find(signed_in, awa.msisdn))
    assert "28/11 10:00" in page  # 09:00 UTC
    assert "Dépôt" in page.split("Opérations récentes")[1]


def test_no_phone_number_ever_sits_in_a_url(signed_in, awa):
    found = signed_in.post("/counter/", data={"csrf_token": csrf(signed_in), "msisdn": awa.msisdn})
    assert found.status_code == 303
    assert found.headers["Location"] == f"/counter/customers/{awa.id}"
    page = signed_in.get(found.headers["Location"]).get_data(as_text=True)
    assert "msisdn=" not in page  # its links name the customer by id


def test_a_search_needs_the_csrf_token(signed_in, awa):
    assert signed_in.post("/counter/", data={"msisdn": awa.msisdn}).status_code == 400


def test_an_unknown_number_offers_registration(signed_in):
    page = text_of(find(signed_in, "069999999"))
    assert "Aucun client PostCash à ce numéro" in page


def test_the_float_is_shown_in_fcfa(signed_in):
    assert "500 000 FCFA" in text_of(signed_in.get("/counter/"))


# -- registering, KYC, unlocking -------------------------------------------------------


def test_register_a_walk_in_customer_with_the_sms_code(signed_in, app):
    msisdn = factories.new_msisdn()
    data = {
        "csrf_token": csrf(signed_in),
        "msisdn": msisdn,
        "first_name": "Prisca",
        "last_name": "Loubaki",
        "pin": "4826",
        "language": "fr",
    }
    sent = signed_in.post("/counter/register", data=data)
    assert "Un code à 6 chiffres a été envoyé par SMS" in text_of(sent)
    code = factories.sms_code(app, msisdn, digits=6)
    verified = signed_in.post(
        "/counter/register/verify",
        data={
            "csrf_token": hidden(sent, "csrf_token"),
            "registration": hidden(sent, "registration"),
            "otp": code,
        },
    )
    assert verified.status_code == 303
    assert "Prisca" in text_of(signed_in.get(verified.headers["Location"]))


def test_a_wrong_registration_code_is_said_next_to_the_field(signed_in):
    msisdn = factories.new_msisdn()
    data = {
        "csrf_token": csrf(signed_in),
        "msisdn": msisdn,
        "first_name": "Prisca",
        "last_name": "Loubaki",
        "pin": "4826",
        "language": "fr",
    }
    sent = signed_in.post("/counter/register", data=data)
    wrong = signed_in.post(
        "/counter/register/verify",
        data={
            "csrf_token": hidden(sent, "csrf_token"),
            "registration": hidden(sent, "registration"),
            "otp": "000000",
        },
    )
    assert wrong.status_code == 422
    assert "Code incorrect" in text_of(wrong)


def test_registering_a_registered_number_is_refused(signed_in, awa):
    data = {
        "csrf_token": csrf(signed_in),
        "msisdn": awa.msisdn,
        "first_name": "Awa",
        "last_name": "Mabiala",
        "pin": "4826",
        "language": "fr",
    }
    response = signed_in.post("/counter/register", data=data)
    assert response.status_code == 409
    assert "L'opération n'a pas été effectuée" in text_of(response)


def test_a_trivial_pin_is_refused_next_to_its_field(signed_in):
    data = {
        "csrf_token": csrf(signed_in),
        "msisdn": factories.new_msisdn(),
        "first_name": "Prisca",
        "last_name": "Loubaki",
        "pin": "1234",
        "language": "fr",
    }
    response = signed_in.post("/counter/register", data=data)
    assert response.status_code == 400
    assert "PIN de 4 chiffres" in text_of(response)


def test_upgrade_kyc_with_an_identity_document(signed_in, awa, runtime):
    data = {
        "csrf_token": csrf(signed_in),
        "tier": "standard",
        "id_type": "national_id",
        "id_number": "CG-123456",
    }
    response = signed_in.post(f"/counter/customers/{awa.id}/kyc", data=data)
    assert response.status_code == 200
    assert "Niveau KYC relevé : Standard." in text_of(response)


def test_a_document_of_another_customer_is_refused(signed_in, awa, runtime):
    with transaction(runtime) as session:
        other = factories.customer(session)
    data = {"tier": "standard", "id_type": "passport", "id_number": "P-998877"}
    signed_in.post(
        f"/counter/customers/{other.id}/kyc", data={**data, "csrf_token": csrf(signed_in)}
    )
    response = signed_in.post(
        f"/counter/customers/{awa.id}/kyc", data={**data, "csrf_token": csrf(signed_in)}
    )
    assert response.status_code == 409
    assert "L'opération n'a pas été effectuée" in text_of(response)


def test_a_tier_already_reached_is_refused(signed_in, awa):
    data = {"tier": "standard", "id_type": "national_id", "id_number": "CG-123456"}
    signed_in.post(f"/counter/customers/{awa.id}/kyc", data={**data, "csrf_token": csrf(signed_in)})
    response = signed_in.post(
        f"/counter/customers/{awa.id}/kyc", data={**data, "csrf_token": csrf(signed_in)}
    )
    assert response.status_code == 422
    assert "L'opération n'a pas été effectuée" in text_of(response)


def test_unlock_a_customers_pin(signed_in, awa, runtime):
    with transaction(runtime) as session:
        from app.customers.models import Customer

        row = session.get(Customer, awa.id)
        row.status = "locked"
        row.failed_pin_attempts = 3
    page = text_of(find(signed_in, awa.msisdn))
    assert "PIN bloqué" in page
    response = signed_in.post(
        f"/counter/customers/{awa.id}/unlock", data={"csrf_token": csrf(signed_in)}
    )
    assert "PIN débloqué" in text_of(response)
    assert "Actif" in text_of(response)


def test_a_frozen_account_is_not_unlocked(signed_in, awa, runtime):
    with transaction(runtime) as session:
        from app.customers.models import Customer

        session.get(Customer, awa.id).status = "frozen"
    response = signed_in.post(
        f"/counter/customers/{awa.id}/unlock", data={"csrf_token": csrf(signed_in)}
    )
    assert response.status_code == 422
    assert "L'opération n'a pas été effectuée" in text_of(response)


# -- cash-in -----------------------------------------------------------------------------


def test_cash_in_shows_amount_fee_and_total_before_it_commits(signed_in, runtime, awa):
    shown = preview(signed_in, "cash-in", msisdn=awa.msisdn, amount=15_000)
    page = text_of(shown)
    assert "Montant 15 000 FCFA Frais 0 FCFA Total 15 000 FCFA" in page
    assert "À encaisser auprès du client : 15 000 FCFA" in page
    assert wallet_of(runtime, awa) == 100_000


def test_cash_in_credits_the_wallet_and_leads_to_the_receipt(signed_in, runtime, awa, counter):
    done = operate(signed_in, "cash-in", msisdn=awa.msisdn, amount=15_000)
    assert done.status_code == 303
    assert re.search(r"/counter/receipts/PC[0-9A-Z]+", done.headers["Location"])
    assert wallet_of(runtime, awa) == 115_000


def test_a_double_submitted_confirmation_pays_once(signed_in, runtime, awa, counter):
    shown = preview(signed_in, "cash-in", msisdn=awa.msisdn, amount=15_000)
    first = confirm(signed_in, "cash-in", shown)
    second = confirm(signed_in, "cash-in", shown)
    assert first.headers["Location"] == second.headers["Location"]
    assert wallet_of(runtime, awa) == 115_000


def test_two_renderings_of_the_form_are_two_payments(signed_in, runtime, awa):
    operate(signed_in, "cash-in", msisdn=awa.msisdn, amount=1_000)
    operate(signed_in, "cash-in", msisdn=awa.msisdn, amount=1_000)
    assert wallet_of(runtime, awa) == 102_000


def test_cash_in_to_an_unknown_number_says_so(signed_in):
    response = preview(signed_in, "cash-in", msisdn="069999999", amount=1_000)
    assert response.status_code == 422
    assert "L'opération n'a pas été effectuée" in text_of(response)


def test_cash_in_above_the_balance_cap_says_so(signed_in, awa):
    response = preview(signed_in, "cash-in", msisdn=awa.msisdn, amount=5_000_000)
    assert response.status_code == 422
    assert "L'opération n'a pas été effectuée" in text_of(response)


def test_an_amount_that_is_not_a_number_is_said_next_to_the_field(signed_in, awa):
    response = preview(signed_in, "cash-in", msisdn=awa.msisdn, amount="quinze")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_a_confirmation_from_another_agent_is_refused(signed_in, runtime, awa, app):
    shown = preview(signed_in, "cash-in", msisdn=awa.msisdn, amount=1_000)
    with transaction(runtime) as session:
        other = factories.agent(session, float_balance=10_000)
    thief = app.test_client()
    sign_in(thief, other.username)
    data = {
        "csrf_token": csrf(thief),
        "payload": hidden(shown, "payload"),
        "key": hidden(shown, "key"),
    }
    response = thief.post("/counter/cash-in/confirm", data=data)
    assert response.status_code == 400
    assert wallet_of(runtime, awa) == 100_000


# -- cash-out ----------------------------------------------------------------------------


def _withdrawal(client, app, awa, amount=20_000):
    response = post(client, app, awa, "/withdrawals", {"amount": amount})
    assert response.status_code == 201, response.get_json()
    return factories.sms_code(app, awa.msisdn, digits=6)


def test_cash_out_by_code(signed_in, app, runtime, awa, counter):
    code = _withdrawal(signed_in, app, awa)
    shown = preview(signed_in, "cash-out", msisdn=awa.msisdn)
    assert "À remettre au client : 20 000 FCFA" in text_of(shown)
    done = confirm(signed_in, "cash-out", shown, code=code)
    assert done.status_code == 303
    assert float_of(runtime, counter) > 500_000


def test_a_wrong_withdrawal_code_is_said_and_nothing_paid(signed_in, app, runtime, awa, counter):
    _withdrawal(signed_in, app, awa)
    shown = preview(signed_in, "cash-out", msisdn=awa.msisdn)
    response = confirm(signed_in, "cash-out", shown, code="000000")
    assert response.status_code == 422
    assert "Code incorrect" in text_of(response)
    assert float_of(runtime, counter) == 500_000


def test_cash_out_without_a_pending_withdrawal_says_so(signed_in, awa):
    response = preview(signed_in, "cash-out", msisdn=awa.msisdn)
    assert response.status_code == 422
    assert "L'opération n'a pas été effectuée" in text_of(response)


# -- remittances -------------------------------------------------------------------------

SENDER = {"sender_name": "Joseph Mavoungou", "sender_msisdn": "+242061112233"}


def test_send_then_pay_out_a_remittance(signed_in, app, runtime, counter):
    recipient = factories.new_msisdn()
    shown = preview(
        signed_in,
        "remittances/send",
        **SENDER,
        recipient_name="Marie Nkounkou",
        recipient_msisdn=recipient,
        amount=50_000,
    )
    assert "Total" in text_of(shown)
    sent = confirm(signed_in, "remittances/send", shown)
    assert sent.status_code == 303
    code = factories.sms_code(app, recipient, digits=10)
    paid = operate(
        signed_in,
        "remittances/payout",
        code=code,
        recipient_id_type="national_id",
        recipient_id_number="CG-445566",
    )
    assert paid.status_code == 303
    assert available(runtime, chart.REMIT_PAYABLE) == 0
    # Sent and paid at the same counter: each step leads to its own receipt.
    assert "Envoi de mandat en espèces" in text_of(signed_in.get(sent.headers["Location"]))
    assert "Paiement de mandat" in text_of(signed_in.get(paid.headers["Location"]))


def test_a_remittance_paid_once_cannot_be_paid_again(signed_in, app):
    recipient = factories.new_msisdn()
    operate(
        signed_in,
        "remittances/send",
        **SENDER,
        recipient_name="Marie Nkounkou",
        recipient_msisdn=recipient,
        amount=20_000,
    )
    code = factories.sms_code(app, recipient, digits=10)
    payout = {"code": code, "recipient_id_type": "passport", "recipient_id_number": "P-123456"}
    assert operate(signed_in, "remittances/payout", **payout).status_code == 303
    again = preview(signed_in, "remittances/payout", **payout)
    assert again.status_code == 422
    assert "L'opération n'a pas été effectuée" in text_of(again)


def test_a_large_send_without_the_senders_document_is_said_next_to_the_field(signed_in):
    response = preview(
        signed_in,
        "remittances/send",
        **SENDER,
        recipient_name="Marie Nkounkou",
        recipient_msisdn=factories.new_msisdn(),
        amount=150_000,
    )
    assert response.status_code == 400
    assert "Pièce d'identité de l'expéditeur obligatoire au-delà de 100 000 FCFA" in text_of(
        response
    )


def test_a_wrong_remittance_code_is_a_counted_miss(signed_in, runtime, counter):
    response = preview(
        signed_in,
        "remittances/payout",
        code="1234567890",
        recipient_id_type="passport",
        recipient_id_number="P-123456",
    )
    assert response.status_code >= 400
    assert "L'opération n'a pas été effectuée" in text_of(response)
    from app.remittances.models import CodeMiss

    with transaction(runtime) as session:
        assert session.query(CodeMiss).count() == 1


# -- bills -------------------------------------------------------------------------------


def test_a_walk_in_pays_a_bill_from_the_float(signed_in, runtime, counter, electricity):
    shown = preview(
        signed_in,
        "bills",
        biller_code=electricity,
        bill_reference="01234567890",
        amount=15_000,
        payer_name="Joseph Mavoungou",
        payer_msisdn="",
    )
    assert "Total 15 100 FCFA" in text_of(shown)
    done = confirm(signed_in, "bills", shown)
    assert done.status_code == 303
    assert float_of(runtime, counter) == 500_000 - 15_100
    assert available(runtime, chart.biller(electricity)) == 15_000


def test_a_bill_reference_of_the_wrong_shape_is_said_next_to_the_field(signed_in, electricity):
    response = preview(
        signed_in,
        "bills",
        biller_code=electricity,
        bill_reference="12",
        amount=15_000,
        payer_name="Joseph Mavoungou",
    )
    assert response.status_code == 400
    assert "Référence de facture invalide pour ce facturier." in text_of(response)


# -- the day -------------------------------------------------------------------------------


def test_the_history_lists_the_days_operations_with_reprint_links(signed_in, awa):
    done = operate(signed_in, "cash-in", msisdn=awa.msisdn, amount=15_000)
    reference = done.headers["Location"].split("/")[-1].split("?")[0]
    page = signed_in.get("/counter/history")
    assert reference in text_of(page)
    assert f"/counter/receipts/{reference}" in page.get_data(as_text=True)


def test_pages_have_a_content_security_policy_and_no_cache(signed_in):
    response = signed_in.get("/counter/")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


# -- receipts --------------------------------------------------------------------------------


def _reference(done):
    return done.headers["Location"].split("/counter/receipts/")[1].split("?")[0]


def test_the_receipt_is_an_80mm_page_with_the_amount_in_words(signed_in, awa):
    done = operate(signed_in, "cash-in", msisdn=awa.msisdn, amount=15_000)
    page = signed_in.get(done.headers["Location"])
    assert page.status_code == 200
    text = text_of(page)
    assert "15 000 FCFA" in text and "quinze mille francs CFA" in text
    assert "Bureau de poste de Poto-Poto" in text and _reference(done) in text
    assert "80mm" in page.get_data(as_text=True).replace(" ", "")


def test_the_receipt_as_an_a4_pdf(signed_in, awa):
    from io import BytesIO

    from pypdf import PdfReader

    done = operate(signed_in, "cash-in", msisdn=awa.msisdn, amount=15_000)
    response = signed_in.get(f"/counter/receipts/{_reference(done)}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    assert len(reader.pages) == 1
    assert _reference(done) in reader.pages[0].extract_text()


def test_another_agent_cannot_see_a_receipt(signed_in, app, runtime, awa):
    done = operate(signed_in, "cash-in", msisdn=awa.msisdn, amount=15_000)
    with transaction(runtime) as session:
        other = factories.agent(session, float_balance=10_000)
    stranger = app.test_client()
    sign_in(stranger, other.username)
    reference = _reference(done)
    for path in (f"/counter/receipts/{reference}", f"/counter/receipts/{reference}/pdf"):
        response = stranger.get(path)
        assert response.status_code == 404
        assert "introuvable" in text_of(response)


def test_an_unknown_receipt_is_not_found(signed_in):
    assert signed_in.get("/counter/receipts/PCNOSUCH00").status_code == 404


def test_a_bill_and_a_remittance_have_receipts(signed_in, app, electricity):
    bill = operate(
        signed_in,
        "bills",
        biller_code=electricity,
        bill_reference="01234567890",
        amount=15_000,
        payer_name="Joseph Mavoungou",
    )
    assert signed_in.get(bill.headers["Location"]).status_code == 200
    sent = operate(
        signed_in,
        "remittances/send",
        **SENDER,
        recipient_name="Marie Nkounkou",
        recipient_msisdn=factories.new_msisdn(),
        amount=50_000,
    )
    text = text_of(signed_in.get(sent.headers["Location"]))
    assert "50 000 FCFA" in text and "mille francs CFA" in text


# -- the till ----------------------------------------------------------------------------------


def test_the_till_shows_float_totals_and_commission(signed_in, awa):
    operate(signed_in, "cash-in", msisdn=awa.msisdn, amount=20_000)
    text = text_of(signed_in.get("/counter/till"))
    assert "Fonds de caisse disponible 480 040 FCFA" in text
    assert "Fonds d'ouverture 0 FCFA" in text  # the float was funded this morning
    assert "Dépôt d'espèces 1 20 000 FCFA 0 FCFA 40 FCFA" in text
    assert "Commissions gagnées 40 FCFA" in text


def test_close_the_day_then_operations_are_refused(signed_in, runtime, awa):
    operate(signed_in, "cash-in", msisdn=awa.msisdn, amount=20_000)
    closed = signed_in.post(
        "/counter/till/close", data={"csrf_token": csrf(signed_in), "counted_cash": "20000"}
    )
    assert closed.status_code == 303
    report = signed_in.get(closed.headers["Location"])
    assert report.status_code == 200
    assert "20 000 FCFA" in text_of(report)
    again = signed_in.post("/counter/till/close", data={"csrf_token": csrf(signed_in)})
    assert again.status_code == 303  # closing twice is harmless
    refused = operate_refused(signed_in, awa)
    assert "L'opération n'a pas été effectuée" in text_of(refused)
    assert wallet_of(runtime, awa) == 120_000


def operate_refused(client, awa):
    shown = preview(client, "cash-in", msisdn=awa.msisdn, amount=1_000)
    if shown.status_code != 200:
        return shown
    response = confirm(client, "cash-in", shown)
    assert response.status_code >= 400
    return response


def test_a_counted_cash_that_is_not_a_number_is_said_next_to_the_field(signed_in):
    response = signed_in.post(
        "/counter/till/close", data={"csrf_token": csrf(signed_in), "counted_cash": "beaucoup"}
    )
    assert response.status_code == 422


# -- racing submissions (PostgreSQL: real row locks and a real unique index) ------------------


@pytest.mark.postgres_only
def test_the_same_confirmation_racing_itself_pays_once(signed_in, app, runtime, awa):
    from tests.concurrency import RACERS, together

    shown = preview(signed_in, "cash-in", msisdn=awa.msisdn, amount=15_000)
    cookie = signed_in.get_cookie("postcash_counter", path="/counter")
    data = {
        "csrf_token": hidden(shown, "csrf_token"),
        "payload": hidden(shown, "payload"),
        "key": hidden(shown, "key"),
    }

    def submit(_i):
        twin = app.test_client()
        twin.set_cookie("postcash_counter", cookie.value, path="/counter")
        return twin.post("/counter/cash-in/confirm", data=data)

    answers = together(RACERS, submit)
    assert {a.status_code for a in answers} == {303}, answers
    assert len({a.headers["Location"] for a in answers}) == 1
    assert wallet_of(runtime, awa) == 115_000


# -- savings ---------------------------------------------------------------------------------


@pytest.fixture
def livret(runtime, awa):
    from app.customers.models import Customer
    from app.savings.accounts import open_savings_account

    with transaction(runtime) as session:
        return open_savings_account(session, session.get(Customer, awa.id), "livret").number


def test_a_savings_deposit_in_cash(signed_in, runtime, counter, livret):
    shown = preview(signed_in, "savings/deposits", account_number=livret, amount=25_000)
    assert "Awa M." in text_of(shown)
    assert "À encaisser auprès du client : 25 000 FCFA" in text_of(shown)
    done = confirm(signed_in, "savings/deposits", shown)
    assert done.status_code == 303
    assert float_of(runtime, counter) == 500_000 - 25_000
    assert "25 000 FCFA" in text_of(signed_in.get(done.headers["Location"]))


def test_an_unknown_livret_is_said(signed_in):
    response = preview(signed_in, "savings/deposits", account_number="LE0000000000", amount=5_000)
    assert response.status_code >= 400
    assert "L'opération n'a pas été effectuée" in text_of(response)
