"""Message catalogs: every text exists in every language, fits its screen, says something."""

from __future__ import annotations

import inspect
import string

import pytest

from app import errors
from app.i18n import available_languages, error_message, translate
from app.i18n.catalog import catalogs, read_catalog_dir
from app.ledger import errors as ledger_errors
from app.notify.gsm import sms_length

USSD_SCREEN = 182
SMS = 160

# The longest values a template of ours is rendered with.
WORST_CASE = {
    "code": "0123456789",
    "amount": "20 000 000 FCFA",
    "recipient": "Jean-Baptiste Mabiala-Ng",  # names are cut to 24 characters
    "biller": "Energie Electrique du Congo",
    "merchant": "Supermarche Ndeko Poto-Poto",
    "first_name": "Marie-Thérèse-Bernadett",
    "minutes": "15",
    "attempts_left": "3",
    "until": "31/12 23:59",
}
OUR_SMS_KEYS = [
    "sms.otp.p2p",
    "sms.otp.bill",
    "sms.otp.merchant",
    "sms.otp.remittance",
    "sms.otp.withdrawal",
    "sms.otp.savings_withdrawal",
    "sms.otp.registration",
    "sms.welcome",
    "sms.pin_locked.until",
    "sms.pin_locked.agent",
]


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def error_codes() -> set[str]:
    codes = set()
    for module in (errors, ledger_errors):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, errors.DomainError):
                codes.add(cls.code)
    return codes


def test_french_is_the_default_and_lingala_is_offered():
    assert available_languages()[0] == "fr"
    assert "ln" in available_languages()


@pytest.mark.parametrize("language", ["ln"])
def test_every_key_exists_in_every_language_with_the_same_placeholders(language):
    french, other = catalogs()["fr"], catalogs()[language]
    assert set(other) == set(french), "keys missing or extra in " + language
    mismatched = [k for k in french if placeholders(french[k]) != placeholders(other[k])]
    assert mismatched == []


def test_every_domain_error_code_has_a_customer_text():
    missing = sorted(code for code in error_codes() if f"error.{code}" not in catalogs()["fr"])
    assert missing == []


@pytest.mark.parametrize("language", ["fr", "ln"])
def test_error_texts_fit_an_sms_and_a_ussd_screen(language):
    for key in (k for k in catalogs()["fr"] if k.startswith("error.")):
        text = translate(key, language, attempts_left=3)
        assert sms_length(text) <= SMS, key
        assert len(text) <= USSD_SCREEN, key


@pytest.mark.parametrize("language", ["fr", "ln"])
@pytest.mark.parametrize("key", OUR_SMS_KEYS)
def test_our_sms_fit_one_message_with_the_longest_values(key, language):
    assert sms_length(translate(key, language, **WORST_CASE)) <= SMS


@pytest.mark.parametrize("key", OUR_SMS_KEYS)
def test_lingala_texts_are_translations_not_copies(key):
    assert translate(key, "ln", **WORST_CASE) != translate(key, "fr", **WORST_CASE)


def test_translate_formats_the_parameters():
    assert translate("error.invalid_otp", "fr", attempts_left=2) == (
        "Code incorrect. Il vous reste 2 essai(s)."
    )


def test_lingala_is_written_in_lingala():
    assert "Otikali na mbala 2" in translate("error.invalid_otp", "ln", attempts_left=2)


def test_an_unknown_language_gets_french():
    assert translate("error.not_found", "en") == translate("error.not_found", "fr")
    assert translate("error.not_found", None) == translate("error.not_found", "fr")


def test_a_regional_language_tag_gets_its_language():
    assert translate("error.not_found", "LN-cg") == translate("error.not_found", "ln")


def test_a_missing_key_is_a_bug():
    with pytest.raises(KeyError):
        translate("sms.no.such.text", "fr")


def test_a_missing_parameter_is_a_bug():
    with pytest.raises(KeyError):
        translate("error.invalid_otp", "fr")


def test_a_language_without_a_key_falls_back_to_french(tmp_path):
    (tmp_path / "demo.fr.po").write_text(
        'msgid "a"\nmsgstr "Bonjour"\n\nmsgid "b"\nmsgstr "Au revoir"\n', encoding="utf-8"
    )
    (tmp_path / "demo.ln.po").write_text('msgid "a"\nmsgstr "Mbote"\n', encoding="utf-8")
    loaded = read_catalog_dir(tmp_path)
    assert loaded["ln"] == {"a": "Mbote"}
    assert loaded["fr"]["b"] == "Au revoir"


def test_two_domains_defining_one_key_are_refused(tmp_path):
    (tmp_path / "one.fr.po").write_text('msgid "a"\nmsgstr "Un"\n', encoding="utf-8")
    (tmp_path / "two.fr.po").write_text('msgid "a"\nmsgstr "Deux"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="defined in"):
        read_catalog_dir(tmp_path)


def test_error_message_renders_a_domain_error_code():
    assert error_message("insufficient_funds", "fr") == "Solde insuffisant pour cette opération."


def test_error_message_of_an_unknown_code_is_the_generic_text():
    assert error_message("no_such_code", "ln") == translate("error.error", "ln")


def test_a_name_ending_a_sentence_does_not_double_its_period():
    text = translate(
        "sms.otp.p2p", "fr", code="123456", amount="5 000 FCFA", recipient="Bruno N.", minutes=5
    )
    assert "à Bruno N. Valable 5 min." in text and ".." not in text


def test_an_ellipsis_and_a_period_after_a_plain_value_are_kept():
    from app import i18n

    assert i18n._format("{a}. {b}...", {"a": "Awa", "b": "x."}) == "Awa. x...."
    assert i18n._format("{n:>4}.", {"n": 7}) == "   7."


# French letters GSM-7 lacks and transliteration strips (ê → e: "meme"). Our SMS
# texts are worded without them; ç (GSM-7 has only Ç) and ô (dépôt) still go as c, o.
STRIPPED_ACCENTS = set("êâîûëïÊÂÎÛ")
SMS_DOMAINS = ("otp", "sms", "smscmd", "transfers", "payments", "remittances")


@pytest.mark.parametrize("domain", SMS_DOMAINS)
def test_french_sms_texts_keep_their_accents_through_gsm7(domain):
    from app.config import BASE_DIR

    text = (BASE_DIR / "app" / "i18n" / "catalogs" / f"{domain}.fr.po").read_text(encoding="utf-8")
    msgstrs = [line for line in text.splitlines() if line.startswith("msgstr")]
    assert [line for line in msgstrs if STRIPPED_ACCENTS & set(line)] == []
