"""Response shapes shared by several namespaces, for the published contract.

Schemas that a namespace also uses to dump its answers live next to it (or in
``schemas.py``); these describe answers that are built as plain dicts, so that
``openapi.py`` can document every success with a schema.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.agents.models import STAFF_ROLES, STAFF_STATUSES
from app.api.schemas import TransferSchema
from app.auth.api_keys import API_ROLES


class OtpStateSchema(Schema):
    expires_at = fields.AwareDateTime()
    attempts_left = fields.Integer()


class TransferOutSchema(TransferSchema):
    """API.md's Transfer object, with its OTP state while it awaits confirmation."""

    otp = fields.Nested(OtpStateSchema, allow_none=True)


class WithdrawalOutSchema(Schema):
    transfer = fields.Nested(TransferOutSchema)
    code = fields.String(metadata={"description": "the 6-digit code to show at the counter"})
    expires_at = fields.AwareDateTime(allow_none=True)


class FeeQuoteSchema(Schema):
    type = fields.String()
    amount = fields.Integer()
    fee = fields.Integer()
    total = fields.Integer()


class BalanceOutSchema(Schema):
    available = fields.Integer(metadata={"description": "posted minus reserved"})
    pending = fields.Integer(metadata={"description": "reserved by payments awaiting confirmation"})
    posted = fields.Integer()
    currency = fields.String()


class PageQuerySchema(Schema):
    """``limit`` and ``cursor`` of a paged list."""

    limit = fields.Integer(
        validate=validate.Range(min=1, max=100), metadata={"description": "default 20"}
    )
    cursor = fields.String(metadata={"description": "next_cursor of the previous page"})


class ItemsSchema(Schema):
    """A list answer: ``items`` (objects), ``next_cursor`` when paged."""

    items = fields.List(fields.Dict())
    next_cursor = fields.String(allow_none=True)


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    role = fields.String(required=True, metadata={"enum": ["customer", "agent", "admin"]})


def items_of(schema: type[Schema], paged: bool = True) -> type[Schema]:
    """A list answer of ``schema`` items: ``{items, next_cursor}`` (``{items}`` unpaged)."""
    members: dict[str, fields.Field] = {"items": fields.List(fields.Nested(schema))}
    if paged:
        members["next_cursor"] = fields.String(allow_none=True)
    name = schema.__name__.removesuffix("Schema") + ("Page" if paged else "List")
    return Schema.from_dict(members, name=name)


# -- statements ------------------------------------------------------------


class StatementLineSchema(Schema):
    entry_id = fields.Raw(metadata={"description": "the ledger entry"})
    reference = fields.String(allow_none=True)
    type = fields.String()
    direction = fields.String(metadata={"description": "debit or credit"})
    amount = fields.Integer()
    fee = fields.Integer()
    balance_after = fields.Integer()
    counterparty = fields.Raw(allow_none=True)
    created_at = fields.AwareDateTime()


StatementPageSchema = items_of(StatementLineSchema)


# -- counters -------------------------------------------------------------------------


class AgentBriefSchema(Schema):
    id = fields.String()
    username = fields.String()
    post_office = fields.String()


class AgentReportSchema(Schema):
    date = fields.Date()
    agent = fields.Nested(AgentBriefSchema)
    currency = fields.String()
    operations = fields.List(fields.Dict(), metadata={"description": "the day's operations"})
    totals = fields.Dict(metadata={"description": "count and amount per operation type"})
    commission = fields.Integer()
    opening_float = fields.Integer()
    closing_float = fields.Integer()


class TillClosureSchema(Schema):
    date = fields.Date()
    closed_at = fields.DateTime()
    currency = fields.String()
    opening_float = fields.Integer()
    closing_float = fields.Integer()
    commission = fields.Integer()
    operations_count = fields.Integer()
    counted_cash = fields.Integer(allow_none=True)


# -- bills, merchants, disbursements --------------------------------------------------


class BillerViewSchema(Schema):
    code = fields.String()
    name = fields.String()
    category = fields.String()
    reference_hint = fields.String()
    reference_example = fields.String(allow_none=True)
    fixed_amount = fields.Integer(allow_none=True)


BillerListSchema = items_of(BillerViewSchema, paged=False)


class BillPaymentViewSchema(Schema):
    reference = fields.String()
    biller = fields.String()
    bill_reference = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    status = fields.String()
    paid_at = fields.AwareDateTime(allow_none=True)
    payer_name = fields.String(allow_none=True)


BillPaymentPageSchema = items_of(BillPaymentViewSchema)


class BillPaymentCreatedSchema(TransferOutSchema):
    biller = fields.String()
    bill_reference = fields.String()


class BillerBriefSchema(Schema):
    code = fields.String()
    name = fields.String()
    category = fields.String()


class BillReceiptSchema(Schema):
    transfer_id = fields.String()
    reference = fields.String()
    status = fields.String()
    biller = fields.Nested(BillerBriefSchema)
    bill_reference = fields.String()
    amount = fields.Integer()
    fee = fields.Integer()
    total = fields.Integer()
    currency = fields.String()
    payer = fields.Dict(allow_none=True)
    paid_at = fields.AwareDateTime(allow_none=True)


class MerchantRequestSchema(Schema):
    id = fields.String()
    reference = fields.String()
    status = fields.String(metadata={"description": "pending, paid, declined, expired"})
    msisdn = fields.String()
    amount = fields.Integer()
    fee = fields.Integer()
    net = fields.Integer()
    refunded = fields.Integer()
    currency = fields.String()
    payment_reference = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime(allow_none=True)
    paid_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


class MerchantBriefSchema(Schema):
    id = fields.String()
    name = fields.String(allow_none=True)


class CustomerRequestSchema(Schema):
    id = fields.String()
    merchant = fields.Nested(MerchantBriefSchema)
    reference = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    status = fields.String()
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime(allow_none=True)
    paid_at = fields.AwareDateTime(allow_none=True)
    otp = fields.Nested(OtpStateSchema, allow_none=True)


CustomerRequestPageSchema = items_of(CustomerRequestSchema)


class RefundViewSchema(Schema):
    id = fields.String()
    payment_request_id = fields.String()
    reference = fields.String()
    amount = fields.Integer()
    fee_returned = fields.Integer()
    refunded_total = fields.Integer()
    refundable = fields.Integer()
    currency = fields.String()
    reason = fields.String(allow_none=True)
    paid_to = fields.String(metadata={"description": "wallet or cash_pickup"})
    created_at = fields.AwareDateTime()


class BatchViewSchema(Schema):
    id = fields.String()
    reference = fields.String()
    status = fields.String()
    total = fields.Integer()
    valid = fields.Integer()
    processed = fields.Integer()
    completed = fields.Integer()
    rejected = fields.Raw(metadata={"description": "count (or, on submission, the lines)"})
    valid_amount = fields.Integer()
    paid_amount = fields.Integer()
    created_at = fields.AwareDateTime(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)


class BatchLineSchema(Schema):
    line = fields.Integer()
    msisdn = fields.String()
    name = fields.String(allow_none=True)
    amount = fields.Integer(
        allow_none=True, metadata={"description": "null when the line's amount is unreadable"}
    )
    reference = fields.String(allow_none=True)
    status = fields.String()
    code = fields.String(metadata={"description": "why a rejected line was rejected"})
    transfer_id = fields.String()
    remittance_id = fields.String()


BatchLinePageSchema = items_of(BatchLineSchema)


class BatchUploadSchema(Schema):
    """``multipart/form-data``: a CSV file and the batch reference."""

    reference = fields.String(required=True)
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


# -- operations (admins) --------------------------------------------------------------


class CreatedAgentSchema(Schema):
    id = fields.String()
    username = fields.String()
    post_office = fields.String()
    post_office_code = fields.String()
    otpauth_uri = fields.String(metadata={"description": "TOTP enrolment URI, shown once"})


class CreatedApiClientSchema(Schema):
    id = fields.String()
    name = fields.String()
    country = fields.String()
    api_key = fields.String(metadata={"description": "shown once"})


class TrialBalanceRowSchema(Schema):
    type = fields.String(metadata={"enum": ["asset", "liability", "income", "expense", "equity"]})
    currency = fields.String(metadata={"example": "XAF"})
    debits = fields.Integer()
    credits = fields.Integer()


class TrialBalanceSchema(Schema):
    rows = fields.List(fields.Nested(TrialBalanceRowSchema))
    balanced = fields.Boolean()


class LedgerCheckSchema(Schema):
    name = fields.String(metadata={"example": "trial_balance_zero"})
    ok = fields.Boolean()
    offending = fields.List(fields.Raw(), metadata={"description": "rows that break the invariant"})


class LedgerChecksSchema(Schema):
    ok = fields.Boolean()
    checks = fields.List(fields.Nested(LedgerCheckSchema))


class StaffViewSchema(Schema):
    id = fields.String()
    username = fields.String(metadata={"example": "agent.potopoto"})
    role = fields.String(metadata={"enum": list(STAFF_ROLES)})
    post_office = fields.String(allow_none=True, metadata={"description": "agents only"})
    post_office_code = fields.String(allow_none=True, metadata={"example": "BZV-PP"})
    status = fields.String(metadata={"enum": list(STAFF_STATUSES)})
    locked_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "set after five sign-in failures in a row; null once unlocked"},
    )
    created_at = fields.AwareDateTime()


StaffPageSchema = items_of(StaffViewSchema)


class ApiClientViewSchema(Schema):
    id = fields.String()
    role = fields.String(metadata={"enum": list(API_ROLES)})
    name = fields.String(metadata={"example": "Transfert Express Europe"})
    status = fields.String(metadata={"enum": ["active", "disabled"]})
    key_prefix = fields.String(metadata={"description": "first 8 characters of the current key"})
    created_at = fields.AwareDateTime()


ApiClientPageSchema = items_of(ApiClientViewSchema)


class ReplacedKeySchema(Schema):
    id = fields.String()
    api_key = fields.String(metadata={"description": "shown once"})


class FrozenCustomerSchema(Schema):
    id = fields.String()
    status = fields.String(metadata={"enum": ["active", "locked", "frozen"]})
    cancelled_transfers = fields.List(
        fields.String(),
        metadata={"description": "pending payments cancelled, reservations released"},
    )
    cancelled_remittances = fields.List(fields.String())


class AccessListQuerySchema(PageQuerySchema):
    role = fields.String()
    status = fields.String()


class CreatedMerchantSchema(Schema):
    id = fields.String()
    name = fields.String()
    fee_rate = fields.Integer(allow_none=True)
    callback_url = fields.String(allow_none=True)
    api_key = fields.String(metadata={"description": "shown once"})
    webhook_secret = fields.String(allow_none=True, metadata={"description": "shown once"})


class CreatedBillerSchema(BillerViewSchema):
    id = fields.String()
    reference_pattern = fields.String()
    webhook_url = fields.String(allow_none=True)
    api_key = fields.String(metadata={"description": "shown once"})
    webhook_secret = fields.String(allow_none=True, metadata={"description": "shown once"})


class BillerStatusSchema(Schema):
    code = fields.String()
    name = fields.String()
    status = fields.String()


class SettlementSchema(Schema):
    biller = fields.String()
    name = fields.String()
    business_date = fields.Date()
    payments_count = fields.Integer()
    payments_total = fields.Integer()
    due = fields.Integer()
    settled = fields.Integer()
    balance_before = fields.Integer()
    balance_after = fields.Integer()
    entry_id = fields.Raw(allow_none=True)
    currency = fields.String()


SettlementListSchema = items_of(SettlementSchema, paged=False)


class CallbackViewSchema(Schema):
    id = fields.Integer()
    target_type = fields.String()
    target_id = fields.String()
    event = fields.String()
    event_id = fields.String(allow_none=True)
    url = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)


CallbackPageSchema = items_of(CallbackViewSchema)


class CallbackQuerySchema(PageQuerySchema):
    status = fields.String(metadata={"description": "pending, delivered, undeliverable"})


class FloatTopupDoneSchema(Schema):
    agent = fields.String()
    amount = fields.Integer()
    entry_id = fields.Raw()
    float_balance = fields.Integer()
    currency = fields.String()


class PrefundingDoneSchema(Schema):
    account_holder = fields.String()
    id = fields.String()
    amount = fields.Integer()
    entry_id = fields.Raw()
    balance = fields.Integer()
    currency = fields.String()


class FxRateSchema(Schema):
    currency = fields.String()
    rate = fields.String(metadata={"description": "XAF per unit, decimal"})
    margin_bp = fields.Integer(metadata={"description": "listed rates only"})
    fixed = fields.Boolean(metadata={"description": "listed rates only"})
    updated_at = fields.AwareDateTime(allow_none=True)


FxRateListSchema = items_of(FxRateSchema, paged=False)


class SafeguardingPositionSchema(Schema):
    currency = fields.String(metadata={"example": "XAF"})
    e_money_outstanding = fields.Integer(
        metadata={"description": "wallets, floats, payables, partners"}
    )
    trust_bank = fields.Integer(metadata={"description": "balance of trust:bank"})
    retained_fees = fields.Integer(
        metadata={"description": "fees earned less commissions, not swept"}
    )
    difference = fields.Integer(
        metadata={"description": "trust_bank - retained_fees - e_money_outstanding"}
    )
    ok = fields.Boolean()
    by_account_type = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={
            "description": "balance per kind of account (wallet, float, remit, fees, …)",
            "example": {"wallet": 125000, "float": 40000, "trust": 165300, "fees": 300},
        },
    )


class SafeguardingSchema(SafeguardingPositionSchema):
    as_of = fields.AwareDateTime()
    other_currencies = fields.List(fields.Nested(SafeguardingPositionSchema))


class DailyTotalsSchema(Schema):
    count = fields.Integer()
    amount = fields.Integer()
    fees = fields.Integer()
    commissions = fields.Integer()


class OperationTotalsSchema(DailyTotalsSchema):
    operation = fields.String(metadata={"example": "p2p"})


class DailyReportSchema(Schema):
    date = fields.Date()
    timezone = fields.String(metadata={"example": "Africa/Brazzaville"})
    from_ = fields.AwareDateTime(data_key="from", metadata={"description": "UTC start of the day"})
    to = fields.AwareDateTime(metadata={"description": "UTC end of the day (exclusive)"})
    currency = fields.String(metadata={"example": "XAF"})
    operations = fields.List(fields.Nested(OperationTotalsSchema))
    totals = fields.Nested(DailyTotalsSchema)
    ledger = fields.Dict(metadata={"description": "fees and commissions as the ledger moved them"})
    new_customers = fields.Integer()
    active_wallets = fields.Integer(metadata={"description": "wallets with a posted movement"})


class DailyReportQuerySchema(Schema):
    date = fields.String(metadata={"description": "YYYY-MM-DD, Brazzaville time (default today)"})
    format = fields.String(
        metadata={"description": "json (default) or csv; Accept: text/csv works too"}
    )


class ReconciliationRunSchema(Schema):
    id = fields.Integer()
    date = fields.Date()
    version = fields.Integer()
    status = fields.String(metadata={"enum": ["ok", "breaks"]})
    ok = fields.Boolean()
    breaks = fields.Integer()
    trigger = fields.String(metadata={"enum": ["schedule", "command", "admin"]})
    run_at = fields.AwareDateTime()
    alert_status = fields.String(metadata={"enum": ["none", "pending", "sent"]})


ReconciliationRunPageSchema = items_of(ReconciliationRunSchema)


class ReconciliationSchema(ReconciliationRunSchema):
    report = fields.Dict(metadata={"description": "sections, breaks and figures of the run"})
    versions = fields.List(fields.Nested(ReconciliationRunSchema))


class VersionQuerySchema(Schema):
    version = fields.Integer(
        validate=validate.Range(min=1, max=10**6),
        metadata={"description": "a given version (default the latest)"},
    )


class DayQuerySchema(Schema):
    date = fields.String(metadata={"description": "YYYY-MM-DD, Brazzaville time"})


class AuditQuerySchema(PageQuerySchema):
    actor_id = fields.String()
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    since = fields.String(
        metadata={"format": "date-time", "description": "inclusive; UTC if naive"}
    )
    until = fields.String(
        metadata={"format": "date-time", "description": "exclusive; UTC if naive"}
    )


class BatchLinesQuerySchema(PageQuerySchema):
    limit = fields.Integer(
        validate=validate.Range(min=1, max=1000), metadata={"description": "default 100"}
    )
    status = fields.String(metadata={"description": "only the lines in this status"})


class BillerPaymentsQuerySchema(PageQuerySchema):
    since = fields.String(metadata={"format": "date-time", "description": "ISO 8601 instant"})


class WebhookSetSchema(Schema):
    url = fields.String()
    secret = fields.String(metadata={"description": "signs each call; shown once"})
    signature_header = fields.String()
    event_header = fields.String()
