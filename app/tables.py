"""The registry of tables: imports every table module so Alembic and the tests see the whole schema.

Add a line here when a package gains tables.
"""

from app.agents.models import FloatRequest, StaffUser, TillClosure
from app.api.idempotency import IdempotencyRecord
from app.audit.models import AuditChainHead, AuditEvent
from app.auth.api_keys import ApiClient
from app.auth.tokens import AuthToken
from app.customers.devices import CustomerDevice
from app.customers.models import Customer, Registration
from app.customers.outflow import WalletOutflow
from app.db import Base
from app.db.jobs import OutboxJob
from app.disbursements.models import DisbursementBatch, DisbursementLine
from app.helpdesk.models import ReversalProposal
from app.ledger.models import Account, Entry, Posting
from app.likelemba.models import (
    LikelembaContribution,
    LikelembaCycle,
    LikelembaGroup,
    LikelembaMember,
)
from app.mail.models import (
    Letter,
    LetterEvent,
    MailBatch,
    MailboxOptOut,
    MailCounter,
    PrintBatch,
)
from app.network.models import Department, Office
from app.notify.models import SmsMessage
from app.otp.models import Challenge, OtpSecret
from app.payments.models import (
    Biller,
    BillerSettlement,
    BillPayment,
    CallbackDelivery,
    Merchant,
    MerchantRefund,
    PaymentRequest,
)
from app.reconciliation.models import Reconciliation
from app.remittances.models import (
    CodeMiss,
    FxRate,
    PartnerWebhook,
    Remittance,
    RemittanceQuote,
    WebhookDelivery,
)
from app.remittances.prefunding_models import PrefundingRequest
from app.savings.models import AccrualDay, Capitalisation, SavingsAccount, SavingsMovement
from app.sms.inbound.models import InboundSender, InboundSms
from app.transfers.models import Transfer
from app.ussd.models import UssdSession

__all__ = [
    "Account",
    "AccrualDay",
    "ApiClient",
    "AuditChainHead",
    "AuditEvent",
    "AuthToken",
    "Base",
    "BillPayment",
    "Biller",
    "BillerSettlement",
    "CallbackDelivery",
    "Capitalisation",
    "Challenge",
    "CodeMiss",
    "Customer",
    "CustomerDevice",
    "Department",
    "DisbursementBatch",
    "DisbursementLine",
    "Entry",
    "FloatRequest",
    "FxRate",
    "IdempotencyRecord",
    "InboundSender",
    "InboundSms",
    "Letter",
    "LetterEvent",
    "LikelembaContribution",
    "LikelembaCycle",
    "LikelembaGroup",
    "LikelembaMember",
    "MailBatch",
    "MailCounter",
    "MailboxOptOut",
    "Merchant",
    "MerchantRefund",
    "Office",
    "OtpSecret",
    "OutboxJob",
    "PartnerWebhook",
    "PaymentRequest",
    "Posting",
    "PrefundingRequest",
    "PrintBatch",
    "Reconciliation",
    "Registration",
    "Remittance",
    "RemittanceQuote",
    "ReversalProposal",
    "SavingsAccount",
    "SavingsMovement",
    "SmsMessage",
    "StaffUser",
    "TillClosure",
    "Transfer",
    "UssdSession",
    "WalletOutflow",
    "WebhookDelivery",
]
