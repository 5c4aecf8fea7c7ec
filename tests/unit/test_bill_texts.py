"""The SMS of bills, merchants and disbursements fit one message with the longest values."""

import pytest

from app.i18n import translate
from app.i18n.catalog import CATALOG_DIR, read_catalog_dir
from app.notify.gsm import gsm_cut, septets, sms_length, to_gsm7
from app.payments.billers import REFERENCE_MAX
from app.payments.notifications import NAME_CUT, REFERENCE_CUT

WORST_CASE = {
    "amount": "20 000 000 FCFA",
    "fee": "10 000 FCFA",
    "reference": "PCWWWWWWWW",
    "biller": gsm_cut("Energie Electrique du Congo", NAME_CUT),
    "bill_reference": "W" * REFERENCE_MAX,
    "merchant": gsm_cut("Supermarché Ndeko Poto-Poto Mpila", NAME_CUT),
    "payer": gsm_cut("Caisse de Retraite des Fonctionnaires", NAME_CUT),
    "label": "PENSION-NOVEMBRE-2026-XYZ"[:REFERENCE_CUT],
    "balance": "20 000 000 FCFA",
    "minutes": "10",
    "code": "0123456789",  # a cash pickup's code, filled at delivery
}
KEYS = sorted(
    key
    for key in read_catalog_dir(CATALOG_DIR)["fr"]
    if key in ("sms.receipt.bill", "sms.merchant.request", "sms.receipt.disbursement")
    or key.startswith("sms.receipt.merchant")
)


def test_every_payment_of_the_package_has_its_text():
    assert KEYS == [
        "sms.merchant.request",
        "sms.receipt.bill",
        "sms.receipt.disbursement",
        "sms.receipt.merchant",
        "sms.receipt.merchant_refund",
        "sms.receipt.merchant_refund_cash",
    ]


@pytest.mark.parametrize("language", ["fr", "ln"])
@pytest.mark.parametrize("key", KEYS)
def test_texts_fit_one_sms(key, language):
    params = dict(WORST_CASE)
    if key == "sms.merchant.request":
        params["reference"] = "W" * REFERENCE_CUT  # the merchant's reference, cut
    text = to_gsm7(translate(key, language, **params))
    assert sms_length(text) <= 160, (key, language, sms_length(text))


@pytest.mark.parametrize("key", KEYS)
def test_lingala_texts_are_translations(key):
    assert translate(key, "ln", **WORST_CASE) != translate(key, "fr", **WORST_CASE)


@pytest.mark.parametrize(
    ("text", "limit", "cut"),
    [
        ("Supermarché Ndeko Poto-Poto Mpila", 27, "Supermarché Ndeko Poto-Poto"),
        ("INV|2026|11|28|00001", 20, "INV|2026|11|28|0"),  # each | is two septets
        ("Boutique…Ndeko", 12, "Boutique...N"),  # the ellipsis becomes three dots
        ("©©©©©©©", 18, "(c)(c)(c)(c)(c)(c)"),
        ("€€€€€€€€€€€", 21, "€€€€€€€€€€"),  # never half of an escaped character
    ],
)
def test_names_and_references_are_cut_by_septets_once_in_gsm_7(text, limit, cut):
    assert gsm_cut(text, limit) == cut


@pytest.mark.parametrize("text", ["|" * 40, "€" * 40, "…" * 40, "©" * 40, "é" * 40, "œ" * 40])
def test_a_cut_never_exceeds_its_septets(text):
    assert septets(gsm_cut(text, REFERENCE_CUT)) <= REFERENCE_CUT
    assert septets(gsm_cut(text, NAME_CUT)) <= NAME_CUT
