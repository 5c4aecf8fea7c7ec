"""Every text the counter's pages ask for is in the web catalog (app/i18n/web)."""

import re
from pathlib import Path

import pytest

from app.i18n.web import page_text, web_texts

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "app" / "templates" / "counter").glob("*.html")),
    *sorted((ROOT / "app" / "web" / "counter").glob("*.py")),
]
# _("key") in templates and code, page_text("key"), and catalog keys given to validators.
USE = re.compile(
    r"""(?:\b_|page_text)\(\s*["']([a-z_]+\.[a-z_.]+)["']|message=["']([a-z_]+\.[a-z_]+)["']"""
)


def used_keys() -> set[str]:
    keys = set()
    for path in SOURCES:
        for direct, validator in USE.findall(path.read_text(encoding="utf-8")):
            keys.add(direct or validator)
    return keys


def test_the_sources_were_read():
    assert len(used_keys()) > 50


@pytest.mark.parametrize("key", sorted(used_keys()))
def test_every_key_used_has_a_french_text(key):
    assert key in web_texts()


def test_placeholders_are_filled():
    assert (
        page_text("home.float", amount="15 000 FCFA") == "Fonds de caisse disponible : 15 000 FCFA"
    )


def test_every_status_tier_and_identity_document_has_a_name():
    from app.customers.models import CUSTOMER_STATUSES, ID_TYPES, KYC_TIERS

    for key in (
        *(f"status.{s}" for s in CUSTOMER_STATUSES),
        *(f"tier.{t}" for t in KYC_TIERS),
        *(f"idtype.{i}" for i in ID_TYPES),
    ):
        assert key in web_texts(), key


def test_every_form_field_has_its_own_message_when_a_service_refuses_it():
    from app.web.counter import forms

    fields = set()
    for form in (
        forms.RegisterForm,
        forms.KycForm,
        forms.CashInForm,
        forms.RemitSendForm,
        forms.PayoutForm,
        forms.BillForm,
    ):
        fields |= {name for name, _unbound in form()._fields.items()}
    missing = {f for f in fields if f"invalid.{f}" not in web_texts() and f != "language"}
    assert not missing
