"""Every answer of the SMS channel fits one SMS with the longest values, in every language."""

import string

import pytest

from app.i18n import translate
from app.i18n.catalog import CATALOG_DIR, read_catalog_dir
from app.notify.gsm import is_gsm7, sms_length, to_gsm7
from app.sms.inbound.replies import LABEL_WIDTH, NAME_WIDTH, statement_lines

SMS = 160
CATALOGS = read_catalog_dir(CATALOG_DIR)
KEYS = sorted(k for k in CATALOGS["fr"] if k.startswith("smscmd."))
TEMPLATES = [k for k in KEYS if not k.startswith("smscmd.kind.")]
KINDS = [k for k in KEYS if k.startswith("smscmd.kind.")]
LONGEST_NAME = "Marie-Thérèse-Bernadette M."[:NAME_WIDTH]
LONGEST_AMOUNT = "20 000 000 FCFA"


def longest_statement(language):
    from datetime import UTC, datetime

    line = {
        "amount": 20_000_000,
        "fee": 10_000,
        "direction": "debit",
        "created_at": datetime(2026, 12, 31, 12, tzinfo=UTC),
        "type": "p2p",
        "counterparty": {"name": LONGEST_NAME},
    }
    return statement_lines([line] * 3, language)


def worst_case(language):
    return {
        "amount": LONGEST_AMOUNT,
        "fee": "10 000 FCFA",
        "total": "20 010 000 FCFA",
        "name": LONGEST_NAME,
        "code": "123456",
        "minutes": "15",
        "available": LONGEST_AMOUNT,
        "pending": LONGEST_AMOUNT,
        "balance": LONGEST_AMOUNT,
        "interest": LONGEST_AMOUNT,
        "number": "EP0123456789",
        "max_tx": LONGEST_AMOUNT,
        "max_day": LONGEST_AMOUNT,
        "seconds": "3600",
        "until": "31/12 23:59",
        "lines": longest_statement(language),
    }


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_channel_has_its_answers():
    assert {
        "smscmd.balance",
        "smscmd.send.confirm",
        "smscmd.cancel.done",
        "smscmd.none_pending",
        "smscmd.statement",
        "smscmd.help",
        "smscmd.unknown_sender",
        "smscmd.locked",
        "smscmd.locked_until",
        "smscmd.limit.sms_single",
        "smscmd.limit.sms_daily",
        "smscmd.resend.wait",
    } <= set(TEMPLATES)


@pytest.mark.parametrize("language", ["fr", "ln"])
@pytest.mark.parametrize("key", TEMPLATES)
def test_every_answer_fits_one_sms_with_the_longest_values(key, language):
    text = to_gsm7(translate(key, language, **worst_case(language)))
    assert is_gsm7(text)
    assert sms_length(text) <= SMS, (key, language, sms_length(text))


@pytest.mark.parametrize("key", KEYS)
def test_lingala_has_every_answer_with_the_same_placeholders(key):
    assert placeholders(CATALOGS["ln"][key]) == placeholders(CATALOGS["fr"][key])


@pytest.mark.parametrize("key", TEMPLATES)
def test_lingala_answers_are_translations_not_copies(key):
    assert CATALOGS["ln"][key] != CATALOGS["fr"][key]


@pytest.mark.parametrize("language", ["fr", "ln"])
@pytest.mark.parametrize("key", KINDS)
def test_statement_labels_fit_their_column(key, language):
    assert len(CATALOGS[language][key]) <= LABEL_WIDTH


def test_the_envoi_answer_quotes_the_keywords_of_its_language():
    assert "OUI 123456" in translate("smscmd.send.confirm", "fr", **worst_case("fr"))
    assert "IYO 123456" in translate("smscmd.send.confirm", "ln", **worst_case("ln"))


def test_a_statement_line_shows_the_date_the_effect_and_the_counterparty():
    assert longest_statement("fr").split("; ")[0] == "31/12 -20 010 000 Marie-Thérès"
