"""Every remittance SMS fits one message in each language with the longest values."""

import pytest

from app.i18n import available_languages, translate
from app.notify.gsm import SINGLE_PART, sms_length, to_gsm7

LONGEST = {
    "amount": "20 000 000 FCFA",
    "fee": "15 000 FCFA",
    "balance": "5 000 000 FCFA",
    "reference": "PMWWWWWWWW",
    "name": "W" * 24,
    "sender": "W" * 24,
    "msisdn": "+24206*****67",
    "code": "0123456789",
}
KEYS = [
    "sms.remittance.code",
    "sms.remittance.returned",
    "sms.remittance.sent",
    "sms.remittance.sent_cash",
    "sms.remittance.paid",
    "sms.remittance.credited",
    "sms.remittance.cancelled",
    "sms.remittance.expired",
    "sms.remittance.cancelled_cash",
    "sms.remittance.expired_cash",
]


@pytest.mark.parametrize("language", ["fr", "ln"])
@pytest.mark.parametrize("key", KEYS)
def test_each_text_fits_one_sms(key, language):
    assert language in available_languages()
    text = to_gsm7(translate(key, language, **LONGEST))

    assert sms_length(text) <= SINGLE_PART, text


@pytest.mark.parametrize("language", ["fr", "ln"])
def test_the_recipients_text_carries_the_code_amount_and_where_to_collect(language):
    text = translate("sms.remittance.code", language, **LONGEST)

    assert "0123456789" in text
    assert "20 000 000 FCFA" in text
    assert "poste" in text
