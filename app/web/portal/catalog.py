"""Every payment page of the portal and every table of payments its code and status
pages read, gathered from the modules that define them (imported here, not
registered at import: importing a module registers nothing)."""

from __future__ import annotations

from app.web.portal import bills, savings, send
from app.web.portal.payment_types import Kind, PortalPayment

PAYMENTS: dict[str, PortalPayment] = {
    payment.slug: payment for module in (send, bills, savings) for payment in module.PAYMENTS
}
KINDS: dict[str, Kind] = {**send.KINDS, **bills.KINDS}
