"""USSD menu 8 "Paiements en attente": what merchants ask → summary → 1 Payer (PIN) | 2 Refuser.

"Boutique Ndeko" asks Awa (French, PIN 2580, 50 000 FCFA) for 10 000 FCFA; it takes
1.5 %, so it receives 9 850 and PostCash 150, and Awa pays no fee. A request lives
10 minutes (MERCHANT_REQUEST_TTL): asked at 09:00 UTC, it is valid until 10:10 in
Brazzaville. The screens call the same domain functions as REST
(``app.payments.requests``).
"""

import pytest
from sqlalchemy import delete, func, select

from app.db import transaction
from app.ledger import chart
from app.payments import requests
from app.payments.models import PaymentRequest
from app.transfers.models import Transfer
from app.ussd.models import UssdSession
from tests import factories
from tests.e2e.payments_support import available
from tests.e2e.ussd_support import Phone, balance_of


@pytest.fixture
def awa_balance():
    return 50_000


@pytest.fixture
def phone(client, awa):
    return Phone(client, awa.msisdn)


@pytest.fixture
def shop(runtime):
    with transaction(runtime) as session:
        return factories.merchant(session, name="Boutique Ndeko")


def ask(runtime, merchant, who, amount=10_000, reference="CMD-1001") -> str:
    """The merchant asks ``who`` to pay, as POST /merchant/payment-requests does."""
    with transaction(runtime) as session:
        request, _created = requests.create_payment_request(
            session, merchant.client.id, msisdn=who.msisdn, amount=amount, reference=reference
        )
        return request.id


def status_of(runtime, request_id: str) -> str:
    with transaction(runtime) as session:
        return session.get(PaymentRequest, request_id).status


def merchant_payments(runtime, who) -> int:
    with transaction(runtime) as session:
        return session.scalar(
            select(func.count())
            .select_from(Transfer)
            .where(Transfer.initiator_id == who.id, Transfer.type == "merchant")
        )


def test_the_main_menu_offers_the_pending_payments(phone):
    assert "7 Mon compte\n8 Paiements en attente\n" in phone.dial()


def test_no_pending_request_says_so(phone):
    assert phone.run("8") == (
        "CON Paiements en attente :\nAucun paiement en attente.\n0 Retour 00 Menu"
    )


def test_pending_requests_are_listed_newest_first_with_merchant_and_amount(
    phone, runtime, clock, awa, shop
):
    with transaction(runtime) as session:
        pharmacy = factories.merchant(session, name="Pharmacie du Plateau")
    ask(runtime, shop, awa)
    clock.advance(minutes=1)
    ask(runtime, pharmacy, awa, amount=2_500, reference="ORD-7")
    assert phone.run("8") == (
        "CON Paiements en attente :\n"
        "1 Pharmacie du Pla, 2 500 FCFA\n"
        "2 Boutique Ndeko, 10 000 FCFA\n"
        "0 Retour 00 Menu"
    )


def test_more_than_three_requests_page_with_nine(phone, runtime, clock, awa, shop):
    for n in range(1, 5):
        ask(runtime, shop, awa, amount=n * 1_000, reference=f"CMD-{n}")
        clock.advance(seconds=1)
    first = phone.run("8")
    assert (
        "1 Boutique Ndeko, 4 000 FCFA\n" in first
        and "3 Boutique Ndeko, 2 000 FCFA\n9 Suite" in first
    )
    assert "1 Boutique Ndeko, 1 000 FCFA\n0 Retour" in phone.send("9")
    assert phone.send("1").startswith("CON Boutique Ndeko vous demande 1 000 FCFA\nRéf. CMD-1\n")


def test_the_summary_names_the_merchant_amount_reference_and_deadline(phone, runtime, awa, shop):
    ask(runtime, shop, awa)
    assert phone.run("8", "1") == (
        "CON Boutique Ndeko vous demande 10 000 FCFA\nRéf. CMD-1001\n"
        "Valable jusqu'à 10:10\n1 Payer\n2 Refuser\n0 Retour 00 Menu"
    )


def test_paying_with_the_pin_pays_the_merchant_less_its_fee(phone, runtime, awa, shop):
    request_id = ask(runtime, shop, awa)
    assert phone.run("8", "1", "1") == "CON Entrez votre PIN pour confirmer :\n0 Retour 00 Menu"
    done = phone.send(factories.PIN)
    assert done.startswith("END Paiement de 10 000 FCFA à Boutique Ndeko effectué.\nRéf. PC")
    assert done.endswith("\nNouveau solde : 40 000 FCFA")
    assert status_of(runtime, request_id) == "paid"
    assert balance_of(runtime, awa) == 40_000
    assert available(runtime, chart.merchant(shop.client.id)) == 9_850


def test_a_payment_approved_by_ussd_is_recorded_as_ussd(phone, runtime, awa, shop):
    request_id = ask(runtime, shop, awa)
    phone.run("8", "1", "1", factories.PIN)
    with transaction(runtime) as session:
        transfer_id = session.get(PaymentRequest, request_id).transfer_id
        assert session.get(Transfer, transfer_id).channel == "ussd"


def test_the_gateway_repeating_the_final_request_gets_the_same_screen_and_pays_once(
    phone, runtime, awa, shop
):
    ask(runtime, shop, awa)
    done = phone.run("8", "1", "1", factories.PIN)
    assert phone.repeat() == done
    assert phone.repeat() == done
    assert merchant_payments(runtime, awa) == 1
    assert balance_of(runtime, awa) == 40_000


def test_a_repeated_payment_whose_session_was_forgotten_pays_nothing_more(
    phone, runtime, awa, shop
):
    ask(runtime, shop, awa)
    phone.run("8", "1", "1", factories.PIN)
    with transaction(runtime) as session:
        session.execute(delete(UssdSession))
    again = phone.repeat()  # the pick cannot be read back: the list again, now empty
    assert again.startswith("CON Choix invalide.\nPaiements en attente :\nAucun paiement")
    assert merchant_payments(runtime, awa) == 1
    assert balance_of(runtime, awa) == 40_000


def test_the_request_paid_is_the_one_picked_even_if_a_newer_one_arrives(
    phone, runtime, clock, awa, shop
):
    first = ask(runtime, shop, awa, amount=10_000, reference="CMD-1")
    assert "1 Boutique Ndeko, 10 000 FCFA" in phone.run("8")
    clock.advance(minutes=1)
    newer = ask(runtime, shop, awa, amount=30_000, reference="CMD-2")  # now listed first
    assert phone.send("1").startswith("CON Boutique Ndeko vous demande 10 000 FCFA\nRéf. CMD-1")
    phone.send("1", factories.PIN)
    assert (status_of(runtime, first), status_of(runtime, newer)) == ("paid", "pending")
    assert balance_of(runtime, awa) == 40_000


def test_declining_closes_the_request_and_moves_nothing(phone, runtime, awa, shop):
    request_id = ask(runtime, shop, awa)
    assert phone.run("8", "1", "2") == (
        "END Paiement de 10 000 FCFA à Boutique Ndeko refusé. Rien n'a été débité."
    )
    assert status_of(runtime, request_id) == "declined"
    assert balance_of(runtime, awa) == 50_000
    assert "Aucun paiement en attente." in phone.run("8")


def test_an_expired_request_is_not_listed(phone, runtime, clock, awa, shop):
    ask(runtime, shop, awa)
    clock.advance(minutes=11)
    assert "Aucun paiement en attente." in phone.run("8")


def test_a_request_that_expires_before_the_pin_is_not_paid(phone, runtime, clock, awa, shop):
    request_id = ask(runtime, shop, awa)
    clock.advance(minutes=9, seconds=50)
    phone.run("8", "1", "1")
    clock.advance(seconds=20)
    assert phone.send(factories.PIN) == (
        "END Cette demande n'est plus en attente : elle a été payée, refusée ou a expiré."
    )
    assert status_of(runtime, request_id) == "expired"
    assert balance_of(runtime, awa) == 50_000


def test_a_request_that_expires_before_it_is_declined_says_so(phone, runtime, clock, awa, shop):
    request_id = ask(runtime, shop, awa)
    clock.advance(minutes=9, seconds=50)
    phone.run("8", "1")
    clock.advance(seconds=20)
    assert phone.send("2") == (
        "END La demande de 10 000 FCFA de Boutique Ndeko a expiré. Rien n'a été débité."
    )
    assert status_of(runtime, request_id) == "expired"


def test_a_wrong_pin_is_counted_and_the_request_stays_pending(phone, runtime, awa, shop):
    request_id = ask(runtime, shop, awa)
    assert phone.run("8", "1", "1", "1111") == "END PIN incorrect. Il vous reste 2 essai(s)."
    assert status_of(runtime, request_id) == "pending"
    assert balance_of(runtime, awa) == 50_000


def test_the_third_wrong_pin_locks_the_account(phone, runtime, awa, shop):
    ask(runtime, shop, awa)
    for _attempt in range(2):
        phone.run("8", "1", "1", "1111")
    assert phone.run("8", "1", "1", "1111").startswith("END Votre compte est bloqué")
    assert balance_of(runtime, awa) == 50_000


def test_a_request_above_the_balance_is_refused(phone, runtime, awa, shop):
    request_id = ask(runtime, shop, awa, amount=80_000)
    screen = phone.run("8", "1", "1", factories.PIN)
    assert screen == "END Solde insuffisant pour cette opération."
    assert status_of(runtime, request_id) == "pending"


def test_the_screens_speak_lingala_and_fit(client, runtime, shop):
    with transaction(runtime) as session:
        bruno = factories.customer(
            session, first_name="Bruno", last_name="Ngoma", language="ln", balance=50_000
        )
    ask(runtime, shop, bruno)
    phone = Phone(client, bruno.msisdn)  # every answer is checked to fit 182 characters
    assert "8 Mifuta ezali kozela" in phone.dial()
    assert phone.send("8") == (
        "CON Mifuta ezali kozela:\n1 Boutique Ndeko, 10 000 FCFA\n0 Kozonga 00 Menu"
    )
    assert phone.send("1").startswith("CON Boutique Ndeko asengi yo 10 000 FCFA\nRef. CMD-1001\n")
    done = phone.send("1", factories.PIN)
    assert done.startswith("END Ofuti 10 000 FCFA epai ya Boutique Ndeko.\nRef. PC")
    assert done.endswith("Solde na yo sika: 40 000 FCFA")
