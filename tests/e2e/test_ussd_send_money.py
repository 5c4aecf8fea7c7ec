"""USSD menu 1, "Envoyer de l'argent": number → amount → summary → PIN → done.

Awa (French, PIN 2580) holds 100 000 FCFA; Bruno Ngoma reads Lingala. The P2P fee
for 5 000 is 50.
"""

import pytest
from sqlalchemy import delete, func, select

from app.db import transaction
from app.transfers.models import Transfer
from app.ussd.models import UssdSession
from tests import factories
from tests.e2e.ussd_support import Phone, balance_of


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno", last_name="Ngoma", language="ln")


@pytest.fixture
def phone(client, awa):
    return Phone(client, awa.msisdn)


def national(msisdn: str) -> str:
    return msisdn[4:]  # "+242061234567" → "061234567", as typed on a Congolese phone


def transfers_of(runtime, who) -> int:
    with transaction(runtime) as session:
        return session.scalar(
            select(func.count()).select_from(Transfer).where(Transfer.initiator_id == who.id)
        )


def test_the_main_menu_is_in_french_and_lists_every_service(phone):
    screen = phone.dial()
    assert screen.startswith("CON PostCash\n1 Envoyer de l'argent\n2 Retrait\n")
    assert "7 Mon compte" in screen


def test_the_summary_shows_fee_total_and_the_recipient_with_a_masked_surname(phone, bruno):
    phone.run("1", national(bruno.msisdn))
    summary = phone.send("5000")
    assert summary.startswith("CON Envoyer 5 000 FCFA à Bruno N. (0")
    assert "Frais : 50 FCFA" in summary and "Total : 5 050 FCFA" in summary
    assert "Ngoma" not in summary
    assert "1 Confirmer" in summary


def test_the_pin_completes_the_transfer_and_shows_reference_and_new_balance(
    phone, runtime, awa, bruno
):
    done = phone.run("1", national(bruno.msisdn), "5000", "1", factories.PIN)
    assert done.startswith("END Envoi réussi : 5 000 FCFA à Bruno N.")
    assert "Nouveau solde : 94 950 FCFA" in done
    with transaction(runtime) as session:
        transfer = session.scalar(select(Transfer).where(Transfer.initiator_id == awa.id))
        assert (transfer.status, transfer.channel) == ("completed", "ussd")
    assert transfer.reference in done
    assert balance_of(runtime, awa) == 94_950
    assert balance_of(runtime, bruno) == 5_000


def test_the_gateway_repeating_the_final_request_gets_the_same_screen_and_pays_once(
    phone, runtime, awa, bruno
):
    done = phone.run("1", national(bruno.msisdn), "5000", "1", factories.PIN)
    assert phone.repeat() == done
    assert phone.repeat() == done
    assert transfers_of(runtime, awa) == 1
    assert balance_of(runtime, bruno) == 5_000


def test_a_repeated_payment_pays_once_even_when_the_session_was_forgotten(
    phone, runtime, awa, bruno
):
    done = phone.run("1", national(bruno.msisdn), "5000", "1", factories.PIN)
    with transaction(runtime) as session:
        session.execute(delete(UssdSession))
    again = phone.repeat()
    assert transfers_of(runtime, awa) == 1
    assert balance_of(runtime, awa) == 94_950
    reference = done.split("Réf. ")[1].split(",")[0]
    assert again.startswith("END Envoi réussi") and reference in again


def test_zero_goes_back_to_the_number_and_double_zero_to_the_main_menu(phone, bruno):
    phone.run("1", national(bruno.msisdn))
    assert phone.send("0").startswith("CON Numéro du destinataire")
    assert phone.send("00").startswith("CON PostCash\n1 Envoyer")
    assert phone.send("1").startswith("CON Numéro du destinataire")


def test_back_from_the_summary_lets_the_customer_change_the_amount(phone, runtime, awa, bruno):
    phone.run("1", national(bruno.msisdn), "5000", "0")
    assert phone.screen.startswith("CON Montant à envoyer")
    assert "Envoyer 7 000 FCFA" in phone.send("7000")
    phone.send("1", factories.PIN)
    assert balance_of(runtime, bruno) == 7_000


def test_a_malformed_number_is_asked_again_with_a_note(phone):
    assert phone.run("1", "12345").startswith("CON Numéro invalide.\nNuméro du destinataire")


def test_an_unknown_recipient_ends_the_session_with_a_screen_saying_so(phone):
    screen = phone.run("1", "069999999", "5000")
    assert screen == "END Destinataire introuvable : ce numéro n'a pas de compte PostCash."


def test_sending_to_oneself_is_refused(phone, awa):
    screen = phone.run("1", national(awa.msisdn), "5000")
    assert screen == "END Vous ne pouvez pas vous envoyer de l'argent à vous-même."


def test_insufficient_funds_end_with_a_screen_and_move_nothing(client, runtime, bruno):
    with transaction(runtime) as session:
        poor = factories.customer(session, balance=1_000)
    screen = Phone(client, poor.msisdn).run("1", national(bruno.msisdn), "5000", "1", "2580")
    assert screen == "END Solde insuffisant pour cette opération."
    assert balance_of(runtime, poor) == 1_000
    assert transfers_of(runtime, poor) == 0


def test_above_the_single_limit_the_screen_names_the_limit(phone, runtime, awa, bruno):
    screen = phone.run("1", national(bruno.msisdn), "150000", "1", factories.PIN)
    assert screen == ("END Montant au-dessus de votre plafond par opération (100 000 FCFA).")
    assert balance_of(runtime, awa) == 100_000


def test_above_the_daily_limit_the_screen_says_what_is_left_today(client, runtime, bruno):
    with transaction(runtime) as session:
        rich = factories.customer(session, balance=200_000)
    phone = Phone(client, rich.msisdn)
    phone.run("1", national(bruno.msisdn), "100000", "1", factories.PIN)
    with transaction(runtime) as session:
        carol = factories.customer(session, first_name="Carole")
    screen = phone.run("1", national(carol.msisdn), "100000", "1", factories.PIN)
    assert screen == (
        "END Plafond du jour atteint. Vous pouvez encore envoyer 99 500 FCFA aujourd'hui."
    )


def test_a_wrong_pin_says_how_many_attempts_are_left(phone, runtime, awa, bruno):
    screen = phone.run("1", national(bruno.msisdn), "5000", "1", "1111")
    assert screen == "END PIN incorrect. Il vous reste 2 essai(s)."
    assert balance_of(runtime, awa) == 100_000


def test_the_third_wrong_pin_locks_and_a_locked_number_sees_only_how_to_unlock(
    phone, runtime, awa, bruno
):
    phone.run("5", "1111")
    phone.run("6", "1112")
    locked = phone.run("1", national(bruno.msisdn), "5000", "1", "1113")
    assert locked.startswith("END Votre compte est bloqué")
    assert "bureau de poste" in locked
    assert phone.dial() == locked
    assert phone.run("5", factories.PIN) == locked
    assert balance_of(runtime, awa) == 100_000


def test_a_repeated_wrong_pin_request_costs_one_attempt_only(phone):
    first = phone.run("5", "1111")
    assert phone.repeat() == first
    assert phone.run("5", "1112") == "END PIN incorrect. Il vous reste 1 essai(s)."


def test_a_pin_of_the_wrong_shape_costs_no_attempt(phone):
    assert phone.run("5", "12").startswith("CON Le PIN a 4 chiffres.")
    assert phone.run("5", "1111") == "END PIN incorrect. Il vous reste 2 essai(s)."


def test_a_lingala_customer_is_served_in_lingala(client, runtime, awa, bruno):
    with transaction(runtime) as session:
        factories.fund(session, f"wallet:{bruno.id}", 20_000)
    phone = Phone(client, bruno.msisdn)
    assert phone.dial().startswith("CON PostCash\n1 Kotinda mbongo")
    summary = phone.send("1", national(awa.msisdn), "5000")
    assert summary.startswith("CON Kotinda 5 000 FCFA epai ya Awa M.")
    done = phone.send("1", "2580")
    assert done.startswith("END Otindi 5 000 FCFA epai ya Awa M.")
    assert "Solde na yo sika: 14 950 FCFA" in done
