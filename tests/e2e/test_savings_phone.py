"""The livret d'épargne on a feature phone: USSD menu 9 "Épargne" and SMS ``EPARGNE``.

Awa (PIN 2580) holds 100 000 FCFA in her wallet. The demo livret earns 2.5 % a
year and opens with at least 5 000.
"""

from __future__ import annotations

import pytest

from app.db import transaction
from app.savings import accounts, movements
from tests import factories
from tests.e2e.savings_support import savings_balance
from tests.e2e.sms_support import answer
from tests.e2e.ussd_support import Phone, balance_of


@pytest.fixture
def phone(client, awa):
    return Phone(client, awa.msisdn)


@pytest.fixture
def livret(runtime, awa):
    with transaction(runtime) as session:
        account = accounts.open_savings_account(session, awa, "livret")
        return account.id


def test_the_main_menu_offers_savings_as_9(phone):
    screen = phone.run()
    assert "9 Épargne" in screen


def test_the_savings_menu_lists_the_livret_operations(phone):
    screen = phone.run("9")
    assert screen.startswith("CON Épargne postale\n1 Solde et intérêts\n2 Déposer")
    assert "3 Retirer vers mon compte" in screen and "4 Ouvrir un livret" in screen


def test_opening_a_livret_shows_the_offer_then_the_number(phone, runtime, awa):
    offer = phone.run("9", "4")
    assert "2,50 % par an" in offer and "5 000 FCFA" in offer
    done = phone.send("1")
    assert done.startswith("END Votre livret EP") and "est ouvert" in done
    with transaction(runtime) as session:
        assert len(accounts.accounts_of(session, awa.id)) == 1


def test_a_deposit_with_the_pin_moves_wallet_money_to_the_livret(phone, runtime, awa, livret):
    screen = phone.run("9", "2", "20000", factories.PIN)
    assert screen.startswith("END Dépôt de 20 000 FCFA sur votre livret.")
    assert "Solde du livret : 20 000 FCFA" in screen
    assert balance_of(runtime, awa) == 80_000
    assert savings_balance(runtime, livret) == 20_000


def test_a_deposit_repeated_by_the_gateway_deposits_once(phone, runtime, awa, livret):
    phone.run("9", "2", "20000", factories.PIN)
    again = phone.repeat()
    assert "20 000 FCFA" in again
    assert savings_balance(runtime, livret) == 20_000


def test_a_deposit_with_a_wrong_pin_moves_nothing(phone, runtime, awa, livret):
    screen = phone.run("9", "2", "20000", "0000")
    assert screen.startswith("END") and "PIN" in screen
    assert savings_balance(runtime, livret) == 0
    assert balance_of(runtime, awa) == 100_000


def test_a_first_deposit_below_the_minimum_says_the_minimum(phone, runtime, livret):
    screen = phone.run("9", "2", "1000", factories.PIN)
    assert screen == "END Le premier dépôt sur un livret doit être d'au moins 5 000 FCFA."


def test_without_a_livret_the_deposit_says_how_to_open_one(phone):
    screen = phone.run("9", "2", "20000", factories.PIN)
    assert "ouvrez-le depuis le menu Épargne" in screen


def test_the_balance_shows_the_interest_so_far(phone, runtime, awa, livret):
    with transaction(runtime) as session:
        movements.deposit_from_wallet(session, awa, livret, amount=30_000)
    screen = phone.run("9", "1", factories.PIN)
    assert screen.startswith("END Livret EP")
    assert "Solde : 30 000 FCFA" in screen and "Intérêts acquis : 0 FCFA" in screen
    assert "Taux : 2,50 % par an" in screen


def test_a_withdrawal_with_the_pin_credits_the_wallet_at_once(phone, runtime, awa, livret):
    with transaction(runtime) as session:
        movements.deposit_from_wallet(session, awa, livret, amount=30_000)
    screen = phone.run("9", "3", "10000", factories.PIN)
    assert screen.startswith("END Retrait de 10 000 FCFA de votre livret vers votre compte.")
    assert "Solde du livret : 20 000 FCFA" in screen
    assert balance_of(runtime, awa) == 80_000


def test_a_withdrawal_beyond_the_livret_moves_nothing(phone, runtime, awa, livret):
    with transaction(runtime) as session:
        movements.deposit_from_wallet(session, awa, livret, amount=10_000)
    screen = phone.run("9", "3", "20000", factories.PIN)
    assert screen.startswith("END")
    assert savings_balance(runtime, livret) == 10_000 and balance_of(runtime, awa) == 90_000


def test_three_wrong_pins_on_the_savings_screens_lock_the_customer(phone, runtime, awa, livret):
    for _ in range(3):
        phone.run("9", "1", "0000")
    screen = phone.run("9", "1", factories.PIN)
    assert screen.startswith("END") and "bloqu" in screen


def test_lingala_speakers_read_the_menu_in_lingala(client, runtime):
    with transaction(runtime) as session:
        bruno = factories.customer(session, first_name="Bruno", language="ln")
    screen = Phone(client, bruno.msisdn).run("9")
    assert screen.startswith("CON Kobomba mbongo na poste")


# -- SMS ------------------------------------------------------------------------------


def test_epargne_by_sms_answers_the_balance_and_the_interest(client, app, runtime, awa, livret):
    with transaction(runtime) as session:
        movements.deposit_from_wallet(session, awa, livret, amount=30_000)
    reply = answer(client, app, awa.msisdn, "epargne")
    assert reply.startswith("PostCash : livret EP")
    assert "solde 30 000 FCFA" in reply and "acquis cette année 0 FCFA" in reply


def test_epargne_without_a_livret_says_how_to_open_one(client, app, awa):
    reply = answer(client, app, awa.msisdn, "EPARGNE")
    assert "vous n'avez pas de livret" in reply
