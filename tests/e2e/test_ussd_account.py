"""USSD menus 5 "Solde", 6 "Mini-relevé" and 7 "Mon compte" (PIN, language,
tier and limits, claiming a remittance into the wallet).

Awa (PIN 2580, French, basic tier) holds 100 000 FCFA.
"""

import pytest

from app.customers.service import get_customer
from app.db import transaction
from app.remittances import wallet as remittances
from app.remittances.models import Remittance
from app.transfers import p2p
from tests import factories
from tests.e2e.ussd_support import Phone, balance_of


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(
            session, first_name="Bruno", last_name="Ngoma", language="ln", balance=50_000
        )


@pytest.fixture
def phone(client, awa):
    return Phone(client, awa.msisdn)


def test_the_balance_asks_for_the_pin_first(phone):
    assert phone.run("5").startswith("CON Entrez votre PIN")
    assert phone.send(factories.PIN) == "END Solde disponible : 100 000 FCFA"


def test_the_balance_shows_what_a_pending_withdrawal_reserves(phone):
    phone.run("2", "10000", factories.PIN)
    assert phone.run("5", factories.PIN) == (
        "END Solde disponible : 89 700 FCFA\nRéservé : 10 300 FCFA"
    )


def test_the_balance_with_a_wrong_pin_shows_nothing_of_the_wallet(phone):
    screen = phone.run("5", "1111")
    assert screen == "END PIN incorrect. Il vous reste 2 essai(s)."


# --- 6 Mini-relevé ------------------------------------------------------------------


def pay(runtime, sender, recipient, *amounts: int) -> None:
    for amount in amounts:
        with transaction(runtime) as session:
            p2p.send_with_pin(
                session,
                get_customer(session, sender.id),
                to=recipient.msisdn,
                amount=amount,
                pin=factories.PIN,
            )


def test_a_new_wallet_has_an_empty_statement(client, runtime):
    with transaction(runtime) as session:
        newcomer = factories.customer(session)
    screen = Phone(client, newcomer.msisdn).run("6", factories.PIN)
    assert (
        screen == "CON Dernières opérations :\nAucune opération pour l'instant.\n0 Retour 00 Menu"
    )


def test_the_statement_pages_through_the_last_five_operations(phone, runtime, awa, bruno):
    pay(runtime, awa, bruno, 1_000, 2_000, 3_000, 4_000)
    pay(runtime, bruno, awa, 7_000)
    first = phone.run("6", factories.PIN)
    assert first.startswith("CON Dernières opérations :\n28/11 +7 000 Reçu Bruno N.\n")
    assert "28/11 -4 050 Envoi Bruno N." in first
    assert "9 Suite" in first
    pages = [first, phone.send("9")]
    while "9 Suite" in phone.screen:
        pages.append(phone.send("9"))
    lines = [line for page in pages for line in page.splitlines() if line.startswith("28/11")]
    assert lines == [
        "28/11 +7 000 Reçu Bruno N.",
        "28/11 -4 050 Envoi Bruno N.",
        "28/11 -3 050 Envoi Bruno N.",
        "28/11 -2 050 Envoi Bruno N.",
        "28/11 -1 050 Envoi Bruno N.",
    ]


def test_zero_turns_back_a_page_and_double_zero_leaves_the_statement(phone, runtime, awa, bruno):
    pay(runtime, awa, bruno, 1_000, 2_000, 3_000, 4_000, 5_000)
    first = phone.run("6", factories.PIN)
    second = phone.send("9")
    assert second != first
    assert phone.send("0") == first
    assert phone.send("00").startswith("CON PostCash\n1 Envoyer")


def test_the_statement_needs_the_right_pin(phone):
    assert phone.run("6", "1111") == "END PIN incorrect. Il vous reste 2 essai(s)."


# --- 7 Mon compte -------------------------------------------------------------------


def test_my_account_lists_its_services_with_a_way_back(phone):
    screen = phone.run("7")
    assert screen == (
        "CON Mon compte\n1 Changer mon PIN\n2 Langue\n3 Mon niveau et mes plafonds\n"
        "4 Encaisser un mandat\n5 Mon courrier\n0 Retour"
    )
    assert phone.send("0").startswith("CON PostCash\n1 Envoyer")


def test_tier_and_limits_show_what_is_left_today(phone, runtime, awa, bruno):
    pay(runtime, awa, bruno, 10_000)
    assert phone.run("7", "3", factories.PIN) == (
        "END Niveau : basique\nPar opération : 100 000 FCFA\n"
        "Reste aujourd'hui : 189 850 FCFA\nReste ce mois : 989 850 FCFA\n"
        "Solde maximum : 200 000 FCFA"
    )


def test_changing_the_pin_takes_the_old_one_and_the_new_one_twice(phone):
    assert phone.run("7", "1", factories.PIN).startswith("CON Nouveau PIN")
    assert phone.send("1357").startswith("CON Confirmez le nouveau PIN")
    assert phone.send("1357").startswith("END Votre PIN a été modifié.")
    assert phone.run("5", "1357") == "END Solde disponible : 100 000 FCFA"
    assert phone.run("5", factories.PIN) == "END PIN incorrect. Il vous reste 2 essai(s)."


def test_a_new_pin_typed_differently_twice_is_chosen_again(phone):
    screen = phone.run("7", "1", factories.PIN, "1357", "1358")
    assert screen.startswith("CON PIN différents.\nNouveau PIN")


def test_a_trivial_new_pin_is_refused_before_costing_anything(phone):
    assert phone.run("7", "1", factories.PIN, "1234").startswith("CON PIN trop simple.")


def test_changing_the_pin_with_a_wrong_old_one_counts_an_attempt(phone):
    screen = phone.run("7", "1", "1111", "1357", "1357")
    assert screen == "END PIN incorrect. Il vous reste 2 essai(s)."


def test_switching_to_lingala_answers_in_lingala_from_then_on(phone, runtime, awa):
    assert phone.run("7", "2").startswith("CON Choisissez votre langue :\n1 Français\n2 Lingala")
    assert phone.send("2") == "END Lokota ebongwani: Lingala. Matondo!"
    assert phone.dial().startswith("CON PostCash\n1 Kotinda mbongo")
    with transaction(runtime) as session:
        assert get_customer(session, awa.id).language == "ln"
    assert phone.run("7", "2", "1") == "END Langue enregistrée : français. Merci !"


def test_a_remittance_sent_to_my_number_is_claimed_into_my_wallet(phone, app, runtime, awa, bruno):
    with transaction(runtime) as session:
        remittances.send_with_pin(
            session,
            get_customer(session, bruno.id),
            recipient_name="Awa Mabiala",
            recipient_msisdn=awa.msisdn,
            amount=5_000,
            pin=factories.PIN,
        )
    code = factories.sms_code(app, awa.msisdn, digits=10)
    assert phone.run("7", "4").startswith("CON Code du mandat (10 chiffres)")
    screen = phone.send(code)
    assert screen.startswith("END Mandat PM")
    assert "de 5 000 FCFA reçu de Bruno Ngoma\nNouveau solde : 105 000 FCFA" in screen
    assert balance_of(runtime, awa) == 105_000


def test_a_remittance_claimed_on_the_phone_records_ussd_as_its_payouts_channel(
    phone, app, runtime, awa, bruno
):
    with transaction(runtime) as session:
        sent = remittances.send_with_pin(
            session,
            get_customer(session, bruno.id),
            recipient_name="Awa Mabiala",
            recipient_msisdn=awa.msisdn,
            amount=5_000,
            pin=factories.PIN,
        )
    phone.run("7", "4", factories.sms_code(app, awa.msisdn, digits=10))
    with transaction(runtime) as session:
        paid = session.get(Remittance, sent.id)
        assert (paid.status, paid.payout_method, paid.payout_channel) == (
            "paid_out",
            "wallet",
            "ussd",
        )


def test_a_wrong_remittance_code_says_how_many_tries_are_left(phone):
    screen = phone.run("7", "4", "0123456789")
    assert screen == "END Code de mandat incorrect. Il vous reste 4 essai(s)."


def test_a_remittance_code_of_the_wrong_shape_is_asked_again(phone):
    assert phone.run("7", "4", "12345").startswith("CON Le code a 10 chiffres.")
