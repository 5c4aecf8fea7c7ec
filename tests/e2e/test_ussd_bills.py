"""USSD menu 4 "Payer une facture": biller list → reference → amount → summary → PIN.

Awa (PIN 2580) holds 100 000 FCFA. The electricity company's references are 11
digits; a bill payment costs a flat 100 FCFA.
"""

import pytest
from sqlalchemy import func, select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.transfers.models import Transfer
from tests import factories
from tests.e2e.ussd_support import Phone, balance_of

CONTRACT = "01234567890"


@pytest.fixture
def phone(client, awa):
    return Phone(client, awa.msisdn)


@pytest.fixture
def e2c(runtime):
    with transaction(runtime) as session:
        return factories.biller(session, code="E2C").biller


def bills_paid(runtime, who) -> int:
    with transaction(runtime) as session:
        return session.scalar(
            select(func.count())
            .select_from(Transfer)
            .where(Transfer.initiator_id == who.id, Transfer.type == "bill")
        )


def collected(runtime, code: str) -> int:
    with transaction(runtime) as session:
        return ledger.balance(session, chart.biller(code)).available


def test_the_billers_are_listed_to_choose_from(phone, e2c):
    assert phone.run("4") == (
        "CON Payer une facture :\n1 Energie Electrique du Co\n0 Retour 00 Menu"
    )


def test_a_long_list_of_billers_pages_with_nine(phone, runtime):
    with transaction(runtime) as session:
        for n in range(6):
            factories.biller(session, code=f"B{n}", name=f"Facturier {n}")
    first = phone.run("4")
    assert "1 Facturier 0\n2 Facturier 1\n3 Facturier 2\n4 Facturier 3\n9 Suite" in first
    second = phone.send("9")
    assert "1 Facturier 4\n2 Facturier 5\n0 Retour" in second and "9 Suite" not in second
    assert phone.send("0") == first
    assert phone.send("9", "2").startswith("CON Facturier 5\n")


def test_the_reference_screen_shows_the_billers_own_hint(phone, e2c):
    assert phone.run("4", "1").startswith(
        "CON Energie Electrique du Co\nNuméro de contrat (11 chiffres) :"
    )


def test_a_bill_is_paid_after_a_summary_and_the_pin(phone, runtime, awa, e2c):
    summary = phone.run("4", "1", CONTRACT, "15000")
    assert summary.startswith(
        "CON Payer 15 000 FCFA à Energie Electrique du Co\nFacture 01234567890"
    )
    assert "Frais : 100 FCFA\nTotal : 15 100 FCFA\n1 Confirmer" in summary
    done = phone.send("1", factories.PIN)
    assert done.startswith("END Facture payée : 15 000 FCFA à Energie Electrique du Co\nRéf. PC")
    assert "Nouveau solde : 84 900 FCFA" in done
    assert balance_of(runtime, awa) == 84_900
    assert collected(runtime, "E2C") == 15_000


def test_a_repeated_final_request_pays_the_bill_once(phone, runtime, awa, e2c):
    done = phone.run("4", "1", CONTRACT, "15000", "1", factories.PIN)
    assert phone.repeat() == done
    assert bills_paid(runtime, awa) == 1
    assert collected(runtime, "E2C") == 15_000


def test_a_reference_of_the_wrong_shape_is_refused_before_the_pin(phone, runtime, awa, e2c):
    screen = phone.run("4", "1", "12345", "15000")
    assert screen == "END Référence refusée par ce facturier. Vérifiez-la sur votre facture."
    assert bills_paid(runtime, awa) == 0


def test_a_fixed_amount_biller_refuses_another_amount(phone, runtime):
    with transaction(runtime) as session:
        factories.biller(session, code="PASSPORT", name="Passeport", fixed_amount=50_000)
    screen = phone.run("4", "1", CONTRACT, "40000")
    assert screen.startswith("END Montant refusé : ce facturier attend un montant précis.")


def test_a_bill_with_a_wrong_pin_is_not_paid(phone, runtime, awa, e2c):
    screen = phone.run("4", "1", CONTRACT, "15000", "1", "1111")
    assert screen == "END PIN incorrect. Il vous reste 2 essai(s)."
    assert balance_of(runtime, awa) == 100_000


def test_no_biller_yet_says_so(phone):
    assert phone.run("4") == (
        "CON Payer une facture :\nAucun facturier disponible pour l'instant.\n0 Retour 00 Menu"
    )
    assert phone.send("1").startswith("CON Choix invalide.\nPayer une facture")


def test_the_statement_names_the_biller(phone, e2c):
    phone.run("4", "1", CONTRACT, "15000", "1", factories.PIN)
    assert "28/11 -15 100 Facture Energie Elec" in phone.run("6", factories.PIN)


# --- The biller paid is the one the customer saw ----------------------------------------
# The list is read again on every request (the gateway's ``text`` is replayed), so a
# biller added, renamed or taken off the list between two screens must not change
# what "1" meant when the customer typed it.


def test_the_biller_paid_is_the_one_confirmed_even_if_the_list_changed(phone, runtime, awa):
    with transaction(runtime) as session:
        factories.biller(session, code="WATER", name="Societe Nationale des Eaux")
    summary = phone.run("4", "1", CONTRACT, "5000")
    assert "Payer 5 000 FCFA à Societe Nationale des" in summary
    phone.send("1")  # summary confirmed, the PIN is asked
    with transaction(runtime) as session:  # operators add a biller that sorts first
        factories.biller(session, code="ELEC", name="Energie Electrique du Congo")
    done = phone.send(factories.PIN)
    assert (collected(runtime, "WATER"), collected(runtime, "ELEC")) == (5_000, 0), done
    assert "Societe Nationale des" in done


def test_a_pick_means_the_line_shown_even_if_the_list_changed_before_it(phone, runtime, awa):
    with transaction(runtime) as session:
        factories.biller(session, code="WATER", name="Societe Nationale des Eaux")
    assert "1 Societe Nationale des" in phone.run("4")
    with transaction(runtime) as session:
        factories.biller(session, code="ELEC", name="Energie Electrique du Congo")
    assert phone.send("1").startswith("CON Societe Nationale des")
    phone.send(CONTRACT, "5000", "1", factories.PIN)
    assert (collected(runtime, "WATER"), collected(runtime, "ELEC")) == (5_000, 0)


def test_a_biller_taken_off_the_list_before_the_pin_is_not_paid(phone, runtime, awa, e2c):
    from app.payments.biller_status import disable_biller

    phone.run("4", "1", CONTRACT, "15000", "1")
    with transaction(runtime) as session:
        disable_biller(session, "E2C", reason="Contract ended")
    screen = phone.send(factories.PIN)
    assert screen == "END Ce facturier n'est plus disponible."
    assert balance_of(runtime, awa) == 100_000
    assert bills_paid(runtime, awa) == 0


def test_a_session_that_lost_its_memory_asks_for_the_biller_again(phone, runtime, awa, e2c):
    from sqlalchemy import delete

    from app.ussd.models import UssdSession

    phone.run("4", "1", CONTRACT, "15000", "1")
    with transaction(runtime) as session:
        session.execute(delete(UssdSession))
    screen = phone.send(factories.PIN)
    assert screen.startswith("CON Choix invalide.\nPayer une facture :\n1 Energie")
    assert bills_paid(runtime, awa) == 0
