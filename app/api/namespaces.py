"""Every REST namespace, in the order Swagger lists them. Add new ones here."""

from __future__ import annotations

from flask_restx import Namespace

from app.api import (
    admin,
    admin_access,
    admin_cyber,
    admin_ops,
    admin_payments,
    admin_remittances,
    agent,
    audit,
    auth,
    bills,
    customers,
    disbursements,
    merchants,
    partners,
    remittances,
    statements,
    transfers,
)

ALL: list[Namespace] = [auth.ns, customers.ns, customers.me_ns, admin.ns, admin_access.ns]
ALL += [transfers.ns, statements.ns, agent.ns, admin_payments.ns]
ALL += [remittances.ns, remittances.agent_ns, partners.ns, admin_remittances.ns]
ALL += [audit.ns]
ALL += [admin_ops.ns]
ALL += [bills.ns, merchants.ns, disbursements.ns, admin_cyber.ns]
