"""Every text the customer-service and payments pages ask for is in the web catalog,
the families of keys built from a value included (statuses, events, sources)."""

import re
from pathlib import Path

import pytest

from app.helpdesk.customers import HISTORY_ACTIONS
from app.helpdesk.models import PROPOSAL_STATUSES
from app.i18n.web import web_texts
from app.remittances.models import SOURCES
from app.remittances.models import STATUSES as REMITTANCE_STATUSES
from app.transfers.models import STATUSES as TRANSFER_STATUSES

ROOT = Path(__file__).resolve().parents[2]
SOURCES_READ = [
    *sorted((ROOT / "app" / "templates" / "backoffice" / "customers").glob("*.html")),
    *sorted((ROOT / "app" / "templates" / "backoffice" / "payments").glob("*.html")),
    ROOT / "app" / "web" / "backoffice" / "customers.py",
    ROOT / "app" / "web" / "backoffice" / "payments.py",
    ROOT / "app" / "web" / "backoffice" / "desk.py",
]
LITERAL = re.compile(r"""["'](bo\.(?:customers|payments|desk|nav|home)\.[a-z_.]*[a-z_])["']""")


def used_keys() -> set[str]:
    return {key for path in SOURCES_READ for key in LITERAL.findall(path.read_text("utf-8"))}


def families() -> set[str]:
    keys = {f"bo.payments.status.{s}" for s in (*TRANSFER_STATUSES, *REMITTANCE_STATUSES)}
    keys |= {f"bo.payments.source.{s}" for s in SOURCES}
    keys |= {f"bo.payments.proposal.{s}" for s in PROPOSAL_STATUSES}
    keys |= {f"bo.customers.event.{a.split('.')[1]}" for a in HISTORY_ACTIONS}
    keys |= {f"bo.payments.kind.{k}" for k in ("transfers", "remittances")}
    keys |= {"bo.customers.actor.system", "bo.customers.actor.other"}
    why = ("own_proposal", "already_decided", "already_open", "already_reversed")
    return keys | {f"bo.desk.why.{w}" for w in (*why, "not_reversible")}


def test_the_sources_were_read():
    assert len(used_keys()) > 80


@pytest.mark.parametrize("key", sorted(used_keys() | families()))
def test_every_key_used_has_a_french_text(key):
    assert key in web_texts()
