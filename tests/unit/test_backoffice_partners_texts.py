"""Every text the back office's partners area asks for is in its catalog, the keys it
builds from a kind, a status or a code included."""

import re
from pathlib import Path

import pytest

from app.disbursements.models import BATCH_STATUSES
from app.i18n.web import web_texts
from app.payments.models import BILLER_CATEGORIES
from app.remittances.prefunding_requests import REQUEST_STATUSES
from app.web.backoffice.partners import FIELDS, KINDS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "app" / "templates" / "backoffice" / "partners").glob("*.html")),
    ROOT / "app" / "web" / "backoffice" / "partners.py",
    ROOT / "app" / "web" / "backoffice" / "batches.py",
    ROOT / "app" / "web" / "backoffice" / "forms_once.py",
]
# Every whole key written in the sources (a prefix completed at run time ends in "." or "_").
USE = re.compile(r"""["'](bo\.partners\.[a-z_.]+[a-z])["']""")
# The codes a batch line may be refused with, at validation or at payment.
LINE_CODES = (
    "invalid_line",
    "invalid_msisdn",
    "invalid_name",
    "invalid_amount",
    "invalid_reference",
    "duplicate",
    "account_frozen",
    "limit_exceeded",
    "insufficient_funds",
)


def used_keys() -> set[str]:
    return {key for path in SOURCES for key in USE.findall(path.read_text(encoding="utf-8"))}


def built_keys() -> set[str]:
    fields = {name for names in FIELDS.values() for name in names}
    return {
        *(f"bo.partners.{group}.{kind}" for kind in KINDS for group in ("kinds", "kind", "new")),
        *(f"bo.partners.field.{name}" for name in fields),
        *(f"bo.partners.invalid.{name}" for name in fields),
        *(f"bo.partners.category.{c}" for c in BILLER_CATEGORIES),
        *(f"bo.partners.batch.status.{s}" for s in BATCH_STATUSES),
        *(f"bo.partners.prefunding.status.{s}" for s in REQUEST_STATUSES),
        *(f"bo.partners.status_label.{s}" for s in ("active", "disabled")),
        *(f"bo.partners.status.{s}" for s in ("active", "disabled")),
        *(f"bo.partners.biller.{s}" for s in ("active", "disabled")),
        *(f"bo.partners.biller.state_{s}" for s in ("active", "disabled")),
        *(f"bo.partners.line.{code}" for code in LINE_CODES),
    }


def test_the_sources_were_read():
    assert len(used_keys()) > 60


@pytest.mark.parametrize("key", sorted(used_keys() | built_keys()))
def test_every_key_has_a_french_text(key):
    assert key in web_texts()
