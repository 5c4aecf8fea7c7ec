"""Every REST namespace, in the order Swagger lists them. Add new ones here."""

from __future__ import annotations

from flask_restx import Namespace

from app.api import (
    agent,
    audit,
    auth,
    bills,
    customers,
    disbursements,
    likelemba,
    mail,
    merchants,
    partners,
    remittances,
    savings,
    statements,
    transfers,
)
from app.api.admin import access as admin_access
from app.api.admin import float_topups as admin_float_topups
from app.api.admin import merchants_and_billers as admin_merchants_and_billers
from app.api.admin import onboarding as admin_onboarding
from app.api.admin import remittances as admin_remittances
from app.api.admin import reports as admin_reports

ALL: list[Namespace] = [
    auth.ns,
    customers.ns,
    customers.me_ns,
    admin_onboarding.ns,
    admin_access.ns,
]
ALL += [transfers.ns, statements.ns, agent.ns, admin_float_topups.ns]
ALL += [remittances.ns, remittances.agent_ns, partners.ns, admin_remittances.ns]
ALL += [audit.ns]
ALL += [admin_reports.ns]
ALL += [bills.ns, merchants.ns, disbursements.ns, admin_merchants_and_billers.ns]
ALL += [likelemba.ns]
ALL += [mail.ns, mail.track_ns, mail.admin_ns, mail.mailbox_ns, mail.print_ns, mail.scan_ns]  # mail
ALL += [savings.ns, savings.agent_ns, savings.admin_ns]
