"""Payments and people for the back office's customer-service and payments tests."""

from __future__ import annotations

from typing import Any

from app.principal import Principal
from app.transfers import p2p
from tests import factories


def paid_p2p(session: Any, sender: Any, recipient: Any, amount: int) -> Any:
    """A completed P2P transfer (the USSD door: placed and completed with the PIN)."""
    return p2p.send_with_pin(session, sender, to=recipient.msisdn, amount=amount, pin=factories.PIN)


def as_principal(staff: Any) -> Principal:
    return Principal(role=staff.role, id=staff.id)


def cash_remittance(session: Any, agent: Any, recipient_msisdn: str, amount: int) -> Any:
    """A remittance sent in cash at ``agent``'s counter, awaiting payout (its code is
    texted to the recipient: ``factories.sms_code(app, recipient_msisdn)``)."""
    from app.remittances.counter import send_cash

    return send_cash(
        session,
        agent,
        sender={"name": "Jean Moukala", "msisdn": factories.new_msisdn()},
        recipient={"name": "Grace Ngoma", "msisdn": recipient_msisdn},
        amount=amount,
    )


def form_key(page: Any, form_id: str) -> str:
    """The idempotency key (hidden ``once``) of the form ``form_id`` on a page."""
    import html
    import re

    body = page.get_data(as_text=True)
    found = re.search(rf'<form[^>]*id="{re.escape(form_id)}".*?</form>', body, flags=re.S)
    assert found, f"no form {form_id} on the page"
    key = re.search(r'name="once" value="([^"]*)"', found.group(0))
    assert key, f"no key in form {form_id}"
    return html.unescape(key.group(1))
