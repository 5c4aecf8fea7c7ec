"""The savings receipts fit one SMS with the longest values, in every language."""

import pytest

from app.i18n import translate
from app.notify.gsm import sms_length

LONGEST_AMOUNT = "20 000 000 FCFA"


@pytest.mark.parametrize("language", ["fr", "ln"])
@pytest.mark.parametrize("key", ["sms.receipt.savings_deposit", "sms.receipt.savings_withdrawal"])
def test_a_savings_receipt_fits_one_sms(key, language):
    text = translate(
        key,
        language,
        amount=LONGEST_AMOUNT,
        reference="PCWWWWWWWW",
        number="EP0123456789",
        savings=LONGEST_AMOUNT,
        balance=LONGEST_AMOUNT,
    )
    assert sms_length(text) <= 160
