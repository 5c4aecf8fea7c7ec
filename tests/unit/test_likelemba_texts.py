"""Likelemba texts: every SMS fits one message with the longest values, in both languages."""

import pytest

from app.i18n import translate
from app.i18n.catalog import catalogs
from app.likelemba.models import MAX_CONTRIBUTION, MAX_MEMBERS
from app.likelemba.notifications import GROUP_CUT, NAME_CUT
from app.money import format_amount
from app.notify.gsm import sms_length, to_gsm7

WORST = {
    "name": "Marie-Thérèse-Bernadette Akouo"[:NAME_CUT],
    "group": "Tontine des mamans de Poto-Poto"[:GROUP_CUT],
    "amount": format_amount(MAX_CONTRIBUTION * MAX_MEMBERS),
    "balance": format_amount(99_999_999),
    "members": MAX_MEMBERS,
    "number": MAX_MEMBERS,
    "date": "31/12",
}
KEYS = sorted(k for k in catalogs()["fr"] if k.startswith("sms.likelemba."))


def test_there_are_texts_to_check():
    assert len(KEYS) >= 12


@pytest.mark.parametrize("language", ["fr", "ln"])
@pytest.mark.parametrize("key", KEYS)
def test_every_likelemba_sms_fits_one_message(key, language):
    assert key in catalogs()[language]
    assert sms_length(to_gsm7(translate(key, language, **WORST))) <= 160


@pytest.mark.parametrize("key", KEYS)
def test_lingala_texts_are_translations(key):
    assert catalogs()["ln"][key] != catalogs()["fr"][key]


def test_the_leaving_error_has_a_text_in_both_languages():
    for language in ("fr", "ln"):
        assert "likelemba" in translate("error.likelemba_debt_outstanding", language).lower()
