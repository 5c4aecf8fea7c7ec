"""Who is paid when a payer or a partner sends money to a number with a name.

The wallet at the number is paid only if the number belongs to a registered
customer (``find_by_msisdn``: an app registration still waiting for its code is
no customer) and the name sent is that customer's (``names.same_person``).
Otherwise the money goes to cash pickup: the person named collects it at a
counter against an identity document, so a number registered by someone else
never diverts it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.customers.models import Customer
from app.customers.names import same_person
from app.customers.service import find_by_msisdn


def wallet_payee(session: Session, msisdn: str, name: object) -> Customer | None:
    """The customer whose wallet money for ``name`` at ``msisdn`` may go to, or None."""
    customer = find_by_msisdn(session, msisdn)
    if customer is None or not same_person(name, customer.first_name, customer.last_name):
        return None
    return customer
