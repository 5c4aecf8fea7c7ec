"""Finding a customer at the desk (app/helpdesk/customers.py): number, name, reference."""

from app.helpdesk.customers import find_customers
from app.payments.bills import pay_bill_with_pin
from tests import factories
from tests.desk_support import paid_p2p


def names(found):
    return sorted(c.full_name for c in found.customers)


def test_a_bill_reference_finds_the_customers_who_paid_it(session):
    awa = factories.customer(session, balance=50_000)
    biller = factories.biller(session).biller
    pay_bill_with_pin(
        session,
        awa,
        biller_code=biller.code,
        bill_reference="01234567890",
        amount=5_000,
        pin=factories.PIN,
    )
    found = find_customers(session, "01234567890")
    assert found.how == "reference" and names(found) == ["Awa Mabiala"]


def test_a_transfer_reference_finds_both_parties(session):
    awa = factories.customer(session, balance=50_000)
    bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
    transfer = paid_p2p(session, awa, bruno, 1_000)
    assert names(find_customers(session, transfer.reference)) == ["Awa Mabiala", "Bruno Ngoma"]


def test_every_word_of_a_name_must_start_a_first_or_last_name(session):
    factories.customer(session, first_name="Awa", last_name="Mabiala")
    factories.customer(session, first_name="Awa", last_name="Ngoma")
    assert names(find_customers(session, "awa ngo")) == ["Awa Ngoma"]


def test_wildcards_typed_in_a_name_are_letters_not_patterns(session):
    factories.customer(session, first_name="Awa", last_name="Mabiala")
    found = find_customers(session, "%")
    assert found.customers == [] and found.how == "nothing"


def test_an_unknown_number_finds_nobody(session):
    found = find_customers(session, "06 999 99 99")
    assert found.how == "number" and found.customers == []
