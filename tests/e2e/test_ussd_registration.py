"""An unknown number opens a wallet over USSD: language, first name, last name, PIN
twice; then the same session goes on at the main menu."""

import pytest

from app.customers.service import find_by_msisdn
from app.db import transaction
from tests import factories
from tests.e2e.payments_support import sms_to
from tests.e2e.ussd_support import Phone, balance_of


@pytest.fixture
def phone(client):
    return Phone(client, factories.new_msisdn())


def registered(runtime, phone):
    with transaction(runtime) as session:
        return find_by_msisdn(session, phone.msisdn)


def test_an_unknown_number_is_greeted_in_both_languages_and_asked_to_choose(phone):
    assert phone.dial() == (
        "CON Bienvenue sur PostCash !\nBoyei malamu na PostCash!\nLangue / Lokota :\n"
        "1 Français\n2 Lingala"
    )


def test_registration_opens_the_wallet_and_goes_on_to_the_main_menu(phone, runtime, app):
    phone.run("1", "Awa", "Mabiala", "1357")
    assert phone.screen.startswith("CON Confirmez votre PIN")
    screen = phone.send("1357")
    assert screen.startswith("CON Compte ouvert. Bienvenue Awa !\nPostCash\n1 Envoyer")
    customer = registered(runtime, phone)
    assert (customer.first_name, customer.last_name, customer.language) == ("Awa", "Mabiala", "fr")
    assert sms_to(app, phone.msisdn)  # the welcome SMS
    assert phone.send("5", "1357") == "END Solde disponible : 0 FCFA"
    assert balance_of(runtime, customer) == 0


def test_a_lingala_speaker_registers_in_lingala(phone, runtime):
    assert phone.run("2").startswith("CON Kofungola compte.\nKombo na yo ya libatisi")
    screen = phone.send("Bruno", "Ngoma", "1470", "1470")
    assert screen.startswith("CON Boyei malamu Bruno!\nPostCash\n1 Kotinda mbongo")
    assert registered(runtime, phone).language == "ln"


def test_the_repeated_last_registration_request_registers_once(phone, runtime):
    first = phone.run("1", "Awa", "Mabiala", "1357", "1357")
    assert phone.repeat() == first
    assert registered(runtime, phone) is not None


def test_two_different_pins_send_back_to_choosing_one(phone, runtime):
    screen = phone.run("1", "Awa", "Mabiala", "1357", "7531")
    assert screen.startswith("CON PIN différents.\nChoisissez un PIN secret")
    assert phone.send("1357", "1357").startswith("CON Compte ouvert.")


def test_a_guessable_pin_is_refused_at_once(phone):
    assert phone.run("1", "Awa", "Mabiala", "1111").startswith("CON PIN trop simple.")


def test_zero_goes_back_a_step_and_double_zero_to_the_language(phone, runtime):
    assert phone.run("1", "Awa", "0").startswith("CON Ouverture de compte.\nVotre prénom")
    assert phone.send("00").startswith("CON Bienvenue sur PostCash")
    assert registered(runtime, phone) is None


def test_a_first_name_the_register_would_refuse_is_asked_again_at_once(phone, runtime):
    assert phone.run("1", "Jean2") == (
        "CON Des lettres seulement, 30 au plus.\nOuverture de compte.\nVotre prénom :\n"
        "0 Retour 00 Menu"
    )
    assert registered(runtime, phone) is None
    assert phone.send("Jean").startswith("CON Votre nom de famille")
    screen = phone.send("Mabiala", "1357", "1357")
    assert screen.startswith("CON Compte ouvert. Bienvenue Jean !")
    assert registered(runtime, phone).first_name == "Jean"


def test_a_last_name_longer_than_the_register_takes_is_asked_again_at_once(phone, runtime):
    screen = phone.run("1", "Awa", "M" * 31)
    assert screen.startswith("CON Des lettres seulement, 30 au plus.\nVotre nom de famille")
    phone.send("Mabiala-Nkounkou", "1357", "1357")
    assert registered(runtime, phone).last_name == "Mabiala-Nkounkou"


def test_the_note_on_a_refused_name_speaks_lingala_too(phone):
    assert phone.run("2", "Bruno_").startswith(
        "CON Kaka ba lettre, 30 koleka te.\nKofungola compte.\nKombo na yo ya libatisi"
    )


def test_a_registered_customer_is_never_offered_registration(client, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session)
    assert Phone(client, awa.msisdn).dial().startswith("CON PostCash\n1 Envoyer")
