"""Exchange rates into XAF and the price of an inbound transfer.

* XAF is taken as is.
* EUR converts at the fixed CEMAC parity, 655.957 XAF, with **no margin**: the
  parity is a legal rate guaranteed by the French Treasury, not a market price,
  and a recipient must be able to check their money against it. The operator
  earns its fee on EUR transfers, not a hidden spread.
* Any other currency converts at the mid-market rate an admin keeps in the
  ``fx_rates`` table, less ``FX_MARGIN_BP`` basis points; the spread is
  income (``fees:fx``). Only currencies whose minor unit ``app.money`` knows
  are accepted, so ``convert_down`` divides by the right power of ten.

Rounding is always down to the franc (``app.money.convert_down``): the partner
is debited the gross XAF at the mid rate, the recipient gets the net XAF at the
customer rate, and the difference (spread plus rounding) is ``fees:fx``, so
the operator never pays out a franc it did not receive. The PostCash fee
(``remittance`` tariff on the net amount) is debited to the partner on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import fees
from app.audit import record
from app.clock import clock
from app.config import Config
from app.db import settings
from app.errors import ValidationFailed
from app.money import MINOR_UNITS, convert_down
from app.remittances.locks import lock_fx_rate
from app.remittances.models import FxRate

EUR_PEG = Decimal("655.957")
FIXED = {"XAF": Decimal(1), "EUR": EUR_PEG}
MAX_RATE = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Pricing:
    send_amount: int
    send_currency: str
    mid_rate: Decimal
    rate: Decimal
    margin_bp: int
    gross: int
    amount: int
    fx_fee: int
    fee: int

    @property
    def partner_debit(self) -> int:
        return self.gross + self.fee


def price(
    config: Config, send_amount: int, send_currency: str, mid_rate: Decimal, margin_bp: int
) -> Pricing:
    """Pure arithmetic of a quote: gross at mid, net at mid less margin, both rounded down."""
    if isinstance(send_amount, bool) or not isinstance(send_amount, int) or send_amount <= 0:
        raise ValidationFailed({"send_amount": ["Must be a positive integer amount."]})
    rate = mid_rate * (Decimal(10_000) - margin_bp) / Decimal(10_000)
    gross = convert_down(send_amount, send_currency, mid_rate)
    amount = convert_down(send_amount, send_currency, rate)
    if amount <= 0:
        raise ValidationFailed({"send_amount": ["Too small: converts to less than 1 XAF."]})
    fee = fees.quote(config, "remittance", amount).fee
    return Pricing(
        send_amount=send_amount,
        send_currency=send_currency,
        mid_rate=mid_rate,
        rate=rate.normalize(),
        margin_bp=margin_bp,
        gross=gross,
        amount=amount,
        fx_fee=gross - amount,
        fee=fee,
    )


def clean_currency(value: object, field: str = "send_currency") -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in MINOR_UNITS:
        raise ValidationFailed({field: [f"One of: {', '.join(sorted(MINOR_UNITS))}."]})
    return code


def mid_rate(session: Session, currency: str) -> tuple[Decimal, int]:
    """The mid rate of ``currency`` in XAF and the margin that applies to it."""
    if currency in FIXED:
        return FIXED[currency], 0
    row = session.get(FxRate, currency)
    if row is None:
        raise ValidationFailed({"send_currency": [f"No exchange rate for {currency} today."]})
    return Decimal(row.rate), settings(session).FX_MARGIN_BP


def current_price(session: Session, send_amount: int, send_currency: object) -> Pricing:
    currency = clean_currency(send_currency)
    rate, margin = mid_rate(session, currency)
    return price(settings(session), send_amount, currency, rate, margin)


def parse_rate(value: object) -> Decimal:
    """A rate typed by an admin: a decimal string, positive, at most 6 decimals."""
    try:
        rate = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not 0 < rate < MAX_RATE:
        raise ValidationFailed({"rate": ['A positive decimal string, e.g. "602.35".']})
    exponent = rate.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite decimal's (not 'n', 'N' or 'F')
    if exponent < -6:
        raise ValidationFailed({"rate": ["At most 6 decimals."]})
    return rate


def set_rate(
    session: Session, currency: object, rate: object, *, admin_id: str, ip: str | None = None
) -> FxRate:
    """Create or change the mid rate of a floating currency (audited)."""
    code = clean_currency(currency, "currency")
    if code in FIXED:
        raise ValidationFailed({"currency": [f"{code} has a fixed rate."]})
    value = parse_rate(rate)
    row = lock_fx_rate(session, code)
    before = {"rate": row.rate} if row is not None else None
    if row is None:
        row = FxRate(
            currency=code, rate=format(value, "f"), updated_at=clock.now(), updated_by=admin_id
        )
        session.add(row)
    else:
        row.rate, row.updated_at, row.updated_by = format(value, "f"), clock.now(), admin_id
    session.flush()
    record(
        session,
        actor_role="admin",
        actor_id=admin_id,
        action="fx_rate.update",
        target_type="currency",
        target_id=code,
        before=before,
        after={"rate": format(value, "f")},
        ip=ip,
    )
    return row


def list_rates(session: Session) -> list[dict[str, object]]:
    """Every convertible currency: the fixed ones, then the table's."""
    margin = settings(session).FX_MARGIN_BP
    rows: list[dict[str, object]] = [
        {"currency": code, "rate": str(rate), "margin_bp": 0, "fixed": True, "updated_at": None}
        for code, rate in FIXED.items()
    ]
    for row in session.scalars(select(FxRate).order_by(FxRate.currency)):
        rows.append(
            {
                "currency": row.currency,
                "rate": row.rate,
                "margin_bp": margin,
                "fixed": False,
                "updated_at": row.updated_at.isoformat(),
            }
        )
    return rows
