"""Reading a text message as a command: keywords in three languages, whatever the typing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.sms.inbound.parser import (
    BALANCE,
    CANCEL,
    CONFIRM,
    HELP,
    RESEND,
    SEND,
    STATEMENT,
    UNKNOWN,
    Command,
    parse,
    redact,
)

REGIONS = ["CG"]
BRUNO = "+242061234567"


@pytest.mark.parametrize(
    ("typed", "name", "language"),
    [
        ("SOLDE", BALANCE, "fr"),
        ("mbongo", BALANCE, "ln"),
        ("Balance", BALANCE, "en"),
        ("NON", CANCEL, "fr"),
        ("te", CANCEL, "ln"),
        ("Cancel", CANCEL, "en"),
        ("relevé", STATEMENT, "fr"),
        ("Misala", STATEMENT, "ln"),
        ("history", STATEMENT, "en"),
        ("aide", HELP, "fr"),
        ("LISUNGI", HELP, "ln"),
        ("help", HELP, "en"),
        ("renvoi", RESEND, "fr"),
        ("Tinda lisusu", RESEND, "ln"),
        ("RESEND", RESEND, "en"),
    ],
)
def test_keywords_of_every_language_are_understood(typed, name, language):
    assert parse(typed, REGIONS) == Command(name, language)


@pytest.mark.parametrize(
    "typed",
    [
        f"ENVOI {BRUNO} 5000",
        "envoi 061234567 5000",
        "Envoi 06 123 45 67 5 000",
        "ENVOYER 061234567 5.000 FCFA",
        "tinda 061234567 5000F",
        "send 242061234567 5,000",
        "ENVOI: 06-123-45-67, 5000 frs",
        "ENVOI061234567 5000",
        # what some phones send when switched to full-width characters
        "".join(chr(ord(c) + 0xFEE0) if c != " " else c for c in "ENVOI 061234567 5000"),
    ],
)
def test_envoi_reads_a_number_and_an_amount_however_they_are_typed(typed):
    command = parse(typed, REGIONS)
    assert (command.name, command.to, command.amount, command.problem) == (
        SEND,
        BRUNO,
        5_000,
        None,
    )


@pytest.mark.parametrize(
    "typed",
    [
        "ENVOI",
        "ENVOI 061234567",
        "ENVOI 5000",
        "ENVOI BRUNO 5000",
        "ENVOI 061234567 0",
        "ENVOI 061234567 cinq mille",
        "ENVOI +33612345678 5000",
    ],
)
def test_envoi_without_a_readable_number_and_amount_asks_for_the_format(typed):
    assert parse(typed, REGIONS).problem == "usage"


def test_envoi_that_could_be_read_two_ways_is_refused_not_guessed():
    # Congo numbers have one length, so a Congo text has one reading at most; German
    # mobile numbers have two, and "+49 170 1234567 8 5000" is 85 000 to one number
    # or 5 000 to another.
    typed = "SEND +49 170 1234567 8 5000"
    assert parse(typed, ["DE"]).problem == "usage"
    assert parse("SEND +49 170 1234567 5000", ["DE"]).amount == 5_000


@pytest.mark.parametrize(
    "typed", ["OUI 482913", "oui 482 913", "Oui482913", "IYO 482913", "yes 482913", "482913"]
)
def test_a_confirmation_carries_the_code(typed):
    assert parse(typed, REGIONS).code == "482913"


def test_oui_without_digits_asks_for_the_format():
    assert parse("OUI merci", REGIONS) == Command(CONFIRM, "fr", problem="usage")


@pytest.mark.parametrize("typed", ["", "   ", "bonjour", "12345", "?", "SOLDEZ", "1234567"])
def test_anything_else_is_unknown(typed):
    assert parse(typed, REGIONS).name == UNKNOWN


def test_the_code_never_shows_in_a_commands_repr():
    assert "482913" not in repr(parse("OUI 482913", REGIONS))


def test_a_confirmation_is_stored_without_its_code():
    text = "oui 482 913"
    assert redact(text, parse(text, REGIONS)) == "oui *** ***"


def test_anything_that_looks_like_a_pin_is_stored_starred():
    text = "mon pin 2580"
    assert redact(text, parse(text, REGIONS)) == "mon pin ****"


@given(st.text(max_size=300))
def test_any_text_at_all_parses_to_a_command(text):
    command = parse(text, REGIONS)
    assert command.name in (BALANCE, SEND, CONFIRM, CANCEL, STATEMENT, HELP, RESEND, UNKNOWN)


@given(st.from_regex(r"(OUI|oui|Iyo|yes)?[ .]{0,3}[0-9]{3}[ -]?[0-9]{3}", fullmatch=True))
def test_no_confirmation_is_stored_with_a_digit_of_its_code(text):
    command = parse(text, REGIONS)
    assert command.name == CONFIRM
    assert not any(ch.isdigit() for ch in redact(text, command))
