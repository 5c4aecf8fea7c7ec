"""Payment receipts fit one SMS with the longest names and amounts, in every language."""

import pytest

from app.i18n import translate
from app.i18n.catalog import CATALOG_DIR, read_catalog_dir
from app.notify.gsm import sms_length, to_gsm7

WORST_CASE = {
    "amount": "20 000 000 FCFA",
    "fee": "10 000 FCFA",
    "reference": "PCWWWWWWWW",
    "name": "Jean-Baptiste Mabiala-Ng",  # names are cut to 24 characters
    "msisdn": "+24206*****67",
    "balance": "20 000 000 FCFA",
}
RECEIPTS = sorted(k for k in read_catalog_dir(CATALOG_DIR)["fr"] if k.startswith("sms.receipt."))
PAYMENT_RECEIPTS = [
    k for k in RECEIPTS if k.split(".")[2].split("_")[0] in ("p2p", "cashin", "cashout", "reversal")
]


def test_every_payment_has_a_receipt_text():
    assert {
        "sms.receipt.p2p_sent",
        "sms.receipt.p2p_received",
        "sms.receipt.cashin",
        "sms.receipt.cashout",
        "sms.receipt.reversal",
    } <= set(PAYMENT_RECEIPTS)


@pytest.mark.parametrize("language", ["fr", "ln"])
@pytest.mark.parametrize("key", PAYMENT_RECEIPTS)
def test_receipts_fit_one_sms(key, language):
    text = to_gsm7(translate(key, language, **WORST_CASE))
    assert sms_length(text) <= 160, (key, language, len(text))
