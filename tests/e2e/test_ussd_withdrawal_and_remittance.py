"""USSD menus 2 "Retrait" (a cash-out code) and 3 "Envoyer un mandat" (a remittance).

Awa (PIN 2580) holds 100 000 FCFA. A 10 000 withdrawal costs 300; a 10 000
remittance costs 500. Withdrawal codes are valid 15 minutes; the frozen clock
reads 09:00 UTC, 10:00 in Brazzaville.
"""

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.remittances.models import Remittance
from app.transfers.models import Transfer
from tests import factories
from tests.e2e.payments_support import sms_to
from tests.e2e.ussd_support import Phone, balance_of


@pytest.fixture
def phone(client, awa):
    return Phone(client, awa.msisdn)


def count(runtime, model, **where) -> int:
    with transaction(runtime) as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


# --- 2 Retrait ----------------------------------------------------------------------


def test_the_pin_screen_of_a_withdrawal_shows_its_fee(phone):
    screen = phone.run("2", "10000")
    assert screen.startswith("CON Retrait de 10 000 FCFA, frais 300 FCFA.\nEntrez votre PIN")


def test_a_withdrawal_gives_a_six_digit_code_and_its_local_expiry(phone, runtime, app, awa):
    screen = phone.run("2", "10000", factories.PIN)
    assert screen.startswith("END Code de retrait : ")
    code = screen.split("Code de retrait : ")[1][:6]
    assert code.isdigit()
    assert "Valable jusqu'à 10:15" in screen
    assert "Montant 10 000 FCFA, frais 300 FCFA." in screen
    assert balance_of(runtime, awa) == 100_000 - 10_300  # reserved until the counter pays
    assert code in sms_to(app, awa.msisdn)[-1]


def test_a_repeated_withdrawal_request_shows_the_same_code_and_reserves_once(phone, runtime, awa):
    first = phone.run("2", "10000", factories.PIN)
    assert phone.repeat() == first
    assert count(runtime, Transfer, initiator_id=awa.id, type="withdrawal") == 1
    assert balance_of(runtime, awa) == 89_700


def test_a_second_withdrawal_while_a_code_is_pending_is_refused(phone):
    phone.run("2", "10000", factories.PIN)
    screen = phone.run("2", "5000", factories.PIN)
    assert screen == (
        "END Un code de retrait est déjà en cours. Utilisez-le au guichet ou attendez qu'il expire."
    )


def test_a_withdrawal_with_a_wrong_pin_reserves_nothing(phone, runtime, awa):
    assert phone.run("2", "10000", "9999") == "END PIN incorrect. Il vous reste 2 essai(s)."
    assert balance_of(runtime, awa) == 100_000


def test_an_amount_that_is_not_one_is_asked_again(phone):
    assert phone.run("2", "dix").startswith("CON Montant invalide.\nMontant à retirer")


# --- 3 Envoyer un mandat ------------------------------------------------------------


def remit(phone: Phone, amount: str = "10000") -> str:
    return phone.run("3", "069990002", "Marie Loubaki", amount, "1", factories.PIN)


def test_the_remittance_summary_shows_recipient_and_fee(phone):
    screen = phone.run("3", "069990002", "Marie Loubaki", "10000")
    assert screen.startswith("CON Mandat de 10 000 FCFA pour Marie Loubaki (06 999 0002)")
    assert "Frais : 500 FCFA" in screen and "Total : 10 500 FCFA" in screen


def test_a_remittance_is_sent_and_its_code_goes_to_the_recipient_by_sms(phone, runtime, app, awa):
    screen = remit(phone)
    assert screen.startswith("END Mandat PM")
    assert "Marie Loubaki reçoit le code par SMS." in screen
    assert "Nouveau solde : 89 500 FCFA" in screen
    code = factories.sms_code(app, "+242069990002", digits=10)
    assert code not in screen
    with transaction(runtime) as session:
        sent = session.scalar(select(Remittance).where(Remittance.initiator_id == awa.id))
        assert (sent.status, sent.channel, sent.amount) == ("awaiting_payout", "ussd", 10_000)
    assert sent.reference in screen


def test_a_repeated_remittance_request_sends_one_remittance(phone, runtime, awa):
    first = remit(phone)
    assert phone.repeat() == first
    assert count(runtime, Remittance, initiator_id=awa.id) == 1
    assert balance_of(runtime, awa) == 89_500


def test_back_from_the_amount_lets_the_customer_fix_the_name(phone):
    phone.run("3", "069990002", "Mari", "0")
    assert phone.screen.startswith("CON Nom et prénom du bénéficiaire")
    assert "pour Marie Loubaki" in phone.send("Marie Loubaki", "10000")


def test_a_remittance_above_the_single_limit_is_refused(phone, runtime, awa):
    screen = remit(phone, "100001")  # the single cap is on the amount typed
    assert screen == "END Montant au-dessus de votre plafond par opération (100 000 FCFA)."
    assert count(runtime, Remittance, initiator_id=awa.id) == 0


def test_a_remittance_larger_than_the_balance_is_refused(client, runtime):
    with transaction(runtime) as session:
        poor = factories.customer(session, balance=5_000)
    screen = remit(Phone(client, poor.msisdn), "5000")
    assert screen == "END Solde insuffisant pour cette opération."
    assert balance_of(runtime, poor) == 5_000
