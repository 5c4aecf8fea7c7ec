"""Screen handlers: each calls one domain function with the values collected and
renders its result. No rule, query or commit here: limits, fees, PIN checks and
lockout are the domain's, exactly as for REST.

Handlers run only for the screen being shown (``machine.render``); a domain
error they raise becomes an ``END`` screen (``failures.py``). Payments pass
``ctx.client_key`` (the session and the input's position), so a gateway that
repeats the final request gets the first payment back, never a second one.
"""

from __future__ import annotations

from typing import Any

from app import fees
from app.customers import limits, service
from app.payments import billers as billers_registry
from app.payments import bills, requests
from app.remittances import claims
from app.remittances import wallet as remittances
from app.savings import accounts as savings_accounts
from app.savings import movements as savings_movements
from app.savings.products import get_product
from app.transfers import p2p
from app.transfers.statements import customer_statement
from app.transfers.withdrawals import create_withdrawal
from app.ussd import formats
from app.ussd.machine import Context, Listing, Option

STATEMENT_SIZE = 5
# Statement line labels by (type, direction); anything else is "an operation".
OPERATION_LABELS = {
    ("p2p", "debit"): "ussd.op.p2p_sent",
    ("p2p", "credit"): "ussd.op.p2p_received",
    ("withdrawal", "debit"): "ussd.op.withdrawal",
    ("cashin", "credit"): "ussd.op.cashin",
    ("remittance", "debit"): "ussd.op.remittance_sent",
    ("remittance_payout", "credit"): "ussd.op.remittance_received",
    ("remittance_inbound", "credit"): "ussd.op.remittance_received",
    ("remittance_refund", "credit"): "ussd.op.remittance_refund",
    ("bill", "debit"): "ussd.op.bill",
    ("merchant", "debit"): "ussd.op.merchant",
    ("disbursement", "credit"): "ussd.op.disbursement",
    ("reversal", "debit"): "ussd.op.reversal",
    ("reversal", "credit"): "ussd.op.reversal",
    ("likelemba_contribution", "debit"): "ussd.op.likelemba_contribution",
    ("likelemba_payout", "credit"): "ussd.op.likelemba_payout",
    ("likelemba_refund", "credit"): "ussd.op.likelemba_refund",
}


def _balance(ctx: Context) -> str:
    return formats.money(service.wallet_balance(ctx.session, ctx.me).available)


# --- Registration -------------------------------------------------------------------


def register(ctx: Context) -> str:
    """Open the wallet of the number calling, then greet above the main menu. A session
    that registered already (its inputs replayed) just greets."""
    if ctx.customer is None:
        ctx.customer = service.register_customer(
            ctx.session,
            msisdn=ctx.msisdn,
            first_name=ctx.data["first_name"],
            last_name=ctx.data["last_name"],
            pin=ctx.data["pin"],
            language=ctx.data.get("lang") or ctx.config.DEFAULT_LANGUAGE,
        )
    return ctx.t("ussd.register.done", first_name=formats.short(ctx.customer.first_name))


# --- 1 Send money -------------------------------------------------------------------


def p2p_summary(ctx: Context) -> str:
    recipient = p2p.resolve_recipient(ctx.session, ctx.me, ctx.data["to"])
    quote = fees.quote(ctx.config, "p2p", ctx.data["amount"])
    return ctx.t(
        "ussd.send.confirm",
        amount=formats.money(quote.amount),
        name=recipient.display_name,
        msisdn=formats.national(recipient.msisdn),
        fee=formats.money(quote.fee),
        total=formats.money(quote.total),
    )


def send_money(ctx: Context) -> str:
    transfer = p2p.send_with_pin(
        ctx.session,
        ctx.me,
        to=ctx.data["to"],
        amount=ctx.data["amount"],
        pin=ctx.data["pin"],
        channel="ussd",
        client_key=ctx.client_key,
    )
    recipient = (transfer.meta or {}).get("to") or {}
    return ctx.t(
        "ussd.send.done",
        amount=formats.money(transfer.amount),
        name=formats.short(recipient.get("name")),
        reference=transfer.reference,
        fee=formats.money(transfer.fee),
        balance=_balance(ctx),
    )


# --- 2 Withdrawal -------------------------------------------------------------------


def withdrawal_fee(ctx: Context) -> dict[str, Any]:
    quote = fees.quote(ctx.config, "cashout", ctx.data["amount"])
    return {"amount": formats.money(quote.amount), "fee": formats.money(quote.fee)}


def withdraw(ctx: Context) -> str:
    issued = create_withdrawal(
        ctx.session,
        ctx.me,
        amount=ctx.data["amount"],
        channel="ussd",
        client_key=ctx.client_key,
        pin=ctx.data["pin"],
    )
    transfer = issued.transfer
    assert transfer.expires_at is not None  # a withdrawal waits for its agent until then
    until = formats.local_time(transfer.expires_at, ctx.config.TIMEZONE)
    params = {
        "amount": formats.money(transfer.amount),
        "fee": formats.money(transfer.fee),
        "time": until,
    }
    if issued.code is None:  # an earlier request of this session issued it
        return ctx.t("ussd.withdraw.sent", **params)
    return ctx.t("ussd.withdraw.done", code=issued.code, **params)


# --- 3 Remittance -------------------------------------------------------------------


def remittance_summary(ctx: Context) -> str:
    quote = fees.quote(ctx.config, "remittance", ctx.data["amount"])
    return ctx.t(
        "ussd.remit.confirm",
        amount=formats.money(quote.amount),
        name=formats.short(ctx.data["name"]),
        msisdn=formats.national(ctx.data["to"]),
        fee=formats.money(quote.fee),
        total=formats.money(quote.total),
    )


def send_remittance(ctx: Context) -> str:
    remittance = remittances.send_with_pin(
        ctx.session,
        ctx.me,
        recipient_name=ctx.data["name"],
        recipient_msisdn=ctx.data["to"],
        amount=ctx.data["amount"],
        pin=ctx.data["pin"],
        channel="ussd",
        client_key=ctx.client_key,
    )
    return ctx.t(
        "ussd.remit.done",
        reference=remittance.reference,
        amount=formats.money(remittance.amount),
        name=formats.short(remittance.recipient_name),
        balance=_balance(ctx),
    )


# --- 4 Bills ------------------------------------------------------------------------

HINT_CUT = 90  # a biller's own words on its reference, e.g. "Numéro de contrat (11 chiffres)"


def billers(ctx: Context) -> list[Option]:
    """The billers to pick from: (code, name as the list shows it)."""
    return [(b.code, formats.short(b.name)) for b in bills.list_billers(ctx.session)]


def bill_reference_hint(ctx: Context) -> dict[str, Any]:
    biller = billers_registry.get_biller(ctx.session, ctx.data["biller"])
    return {"biller": formats.short(biller.name), "hint": biller.reference_hint[:HINT_CUT]}


def bill_summary(ctx: Context) -> str:
    """The biller's checks before the PIN: the reference has its shape, the amount its own."""
    biller = billers_registry.get_biller(ctx.session, ctx.data["biller"])
    reference = billers_registry.clean_reference(biller, ctx.data["reference"])
    billers_registry.check_amount(biller, ctx.data["amount"])
    quote = fees.quote(ctx.config, "bill", ctx.data["amount"])
    return ctx.t(
        "ussd.bills.confirm",
        amount=formats.money(quote.amount),
        biller=formats.short(biller.name),
        reference=reference,
        fee=formats.money(quote.fee),
        total=formats.money(quote.total),
    )


def pay_bill(ctx: Context) -> str:
    transfer = bills.pay_bill_with_pin(
        ctx.session,
        ctx.me,
        biller_code=ctx.data["biller"],
        bill_reference=ctx.data["reference"],
        amount=ctx.data["amount"],
        pin=ctx.data["pin"],
        channel="ussd",
        client_key=ctx.client_key,
    )
    biller = (transfer.meta or {}).get("to") or {}
    return ctx.t(
        "ussd.bills.done",
        amount=formats.money(transfer.amount),
        biller=formats.short(biller.get("name")),
        reference=transfer.reference,
        fee=formats.money(transfer.fee),
        balance=_balance(ctx),
    )


# --- 5 Balance, 6 Mini-statement ----------------------------------------------------


def balance(ctx: Context) -> str:
    service.verify_pin(ctx.session, ctx.me, ctx.data["pin"])
    wallet = service.wallet_balance(ctx.session, ctx.me)
    text = ctx.t("ussd.balance.done", available=formats.money(wallet.available))
    if wallet.pending:
        text += "\n" + ctx.t("ussd.balance.reserved", pending=formats.money(wallet.pending))
    return text


def statement(ctx: Context) -> Listing:
    """The last operations, newest first. The PIN is checked for every page shown."""
    service.verify_pin(ctx.session, ctx.me, ctx.data["pin"])
    items, _cursor = customer_statement(ctx.session, ctx.me, limit=STATEMENT_SIZE)
    lines = [
        formats.statement_line(
            item,
            ctx.t(OPERATION_LABELS.get((item["type"], item["direction"]), "ussd.op.other")),
            ctx.config.TIMEZONE,
        )
        for item in items
    ]
    return Listing(ctx.t("ussd.statement.title"), lines, ctx.t("ussd.statement.empty"))


# --- 9 Savings (livret d'épargne) ------------------------------------------------------


def _rate(bp: int) -> str:
    """250 basis points as a French reader writes them: "2,50 %"."""
    return f"{bp // 100},{bp % 100:02d} %"


def savings_balance(ctx: Context) -> str:
    service.verify_pin(ctx.session, ctx.me, ctx.data["pin"])
    view = savings_accounts.summary(ctx.session, ctx.me)
    return ctx.t(
        "ussd.savings.balance.done",
        number=view["number"],
        balance=formats.money(view["balance"]),
        interest=formats.money(view["accrued_interest"]),
        rate=_rate(view["annual_rate_bp"]),
    )


def savings_deposit(ctx: Context) -> str:
    """Wallet → livret, with the PIN of this screen (checked first, through the PIN locks)."""
    service.verify_pin(ctx.session, ctx.me, ctx.data["pin"])
    account = savings_accounts.main_account(ctx.session, ctx.me.id)
    transfer = savings_movements.deposit_from_wallet(
        ctx.session,
        ctx.me,
        account.id,
        amount=ctx.data["amount"],
        channel="ussd",
        client_key=ctx.client_key,
    )
    view = savings_accounts.account_view(ctx.session, account)
    return ctx.t(
        "ussd.savings.deposit.done",
        amount=formats.money(transfer.amount),
        reference=transfer.reference,
        balance=formats.money(view["balance"]),
    )


def savings_withdraw(ctx: Context) -> str:
    """Livret → wallet at once, authorised by the PIN typed on the screen before."""
    account = savings_accounts.main_account(ctx.session, ctx.me.id)
    transfer = savings_movements.withdraw_with_pin(
        ctx.session,
        ctx.me,
        account_id=account.id,
        amount=ctx.data["amount"],
        pin=ctx.data["pin"],
        client_key=ctx.client_key,
    )
    view = savings_accounts.account_view(ctx.session, account)
    return ctx.t(
        "ussd.savings.withdraw.done",
        amount=formats.money(transfer.amount),
        reference=transfer.reference,
        balance=formats.money(view["balance"]),
    )


def savings_offer(ctx: Context) -> str:
    product = get_product(ctx.config, "livret")
    return ctx.t(
        "ussd.savings.open.confirm",
        rate=_rate(product.annual_rate_bp),
        minimum=formats.money(product.min_opening),
    )


def open_savings(ctx: Context) -> str:
    account = savings_accounts.open_savings_account(ctx.session, ctx.me, "livret")
    product = get_product(ctx.config, account.product)
    return ctx.t(
        "ussd.savings.open.done",
        number=account.number,
        minimum=formats.money(product.min_opening),
    )


# --- 7 My account -------------------------------------------------------------------


def change_pin(ctx: Context) -> str:
    service.change_pin(ctx.session, ctx.me, ctx.data["old_pin"], ctx.data["new_pin"])
    return ctx.t("ussd.pin.done")


def set_language(ctx: Context) -> str:
    service.set_language(ctx.session, ctx.me, ctx.data["lang"])
    return ctx.t("ussd.language.done")


def my_limits(ctx: Context) -> str:
    service.verify_pin(ctx.session, ctx.me, ctx.data["pin"])
    info = limits.limits_for(ctx.session, ctx.me)
    return ctx.t(
        "ussd.limits.done",
        tier=ctx.t(f"ussd.tier.{info['tier']}"),
        single=formats.money(info["single"]),
        daily=formats.money(info["daily_remaining"]),
        monthly=formats.money(info["monthly_remaining"]),
        balance=formats.money(info["balance"]),
    )


def claim_remittance(ctx: Context) -> str:
    remittance = claims.claim_to_wallet(ctx.session, ctx.me, ctx.data["code"], channel="ussd")
    return ctx.t(
        "ussd.claim.done",
        reference=remittance.reference,
        amount=formats.money(remittance.amount),
        name=formats.short(remittance.sender_name),
        balance=_balance(ctx),
    )


# --- 8 Pending payments (merchants' payment requests) --------------------------------

PENDING_PER_PAGE = 3  # "1 <16-character name>, 99 999 999 FCFA" three times, 9 more, 0 back
PENDING_NAME_CUT = 16
REFERENCE_CUT = 20  # a merchant's reference, as in the SMS that announced the request


def pending_requests(ctx: Context) -> list[Option]:
    """What merchants ask the customer to pay now, newest first: (request id, line)."""
    views = [
        requests.customer_view(ctx.session, request)
        for request in requests.pending_requests_for(ctx.session, ctx.me)
    ]
    return [
        (
            view["id"],
            f"{formats.short(view['merchant']['name'], PENDING_NAME_CUT)}, "
            f"{formats.money(view['amount'])}",
        )
        for view in views
    ]


def request_summary(ctx: Context) -> str:
    """The request picked (still pending, still the customer's): who asks, how much,
    until when. The customer pays no fee on it (the merchant's is in the amount)."""
    request = requests.pending_request_for(ctx.session, ctx.data["request"], ctx.me)
    view = requests.customer_view(ctx.session, request)
    return ctx.t(
        "ussd.pending.confirm",
        merchant=formats.short(view["merchant"]["name"]),
        amount=formats.money(view["amount"]),
        reference=view["reference"][:REFERENCE_CUT],
        time=formats.local_time(request.expires_at, ctx.config.TIMEZONE),
    )


def pay_request(ctx: Context) -> str:
    """Approve with the PIN, as REST does; approving a paid request returns it (a retry)."""
    request = requests.approve_request(
        ctx.session, ctx.data["request"], ctx.me, pin=ctx.data["pin"], channel="ussd"
    )
    view = requests.customer_view(ctx.session, request)
    transfer = p2p.get_owned(ctx.session, request.transfer_id or "", ctx.me.id, lock=False)
    return ctx.t(
        "ussd.pending.done",
        amount=formats.money(view["amount"]),
        merchant=formats.short(view["merchant"]["name"]),
        reference=transfer.reference,
        balance=_balance(ctx),
    )


def decline_request(ctx: Context) -> str:
    """Decline, as REST does; a request that expired meanwhile says so."""
    request = requests.decline_request(ctx.session, ctx.data["request"], ctx.me)
    view = requests.customer_view(ctx.session, request)
    key = "ussd.pending.declined" if view["status"] == "declined" else "ussd.pending.expired"
    return ctx.t(
        key,
        amount=formats.money(view["amount"]),
        merchant=formats.short(view["merchant"]["name"]),
    )
