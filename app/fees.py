"""Tariffs and agent commissions, from configuration.

A tariff is a list of bands ``[upper bound inclusive, fee]`` per operation type,
like the grids mobile-money operators publish. Commissions are a share of the
fee (percent) plus a share of the amount (basis points), capped, for the
operations where an agent does the work. Fees and commissions are always legs of
the same ledger entry as the payment, never separate entries that could
half-happen.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Config
from app.errors import ValidationFailed

FEE_TYPES = ("p2p", "cashout", "cashin", "remittance", "bill", "merchant")


@dataclass(frozen=True, slots=True)
class Quote:
    type: str
    amount: int
    fee: int

    @property
    def total(self) -> int:
        return self.amount + self.fee


def quote(config: Config, fee_type: str, amount: int) -> Quote:
    """The fee for ``amount`` of ``fee_type``; refuses unknown types and non-positive amounts."""
    bands = config.TARIFFS.get(fee_type)
    if bands is None:
        raise ValidationFailed({"type": [f"Must be one of: {', '.join(sorted(config.TARIFFS))}."]})
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed({"amount": ["Must be a positive integer amount."]})
    for upper, fee in bands:
        if amount <= upper:
            return Quote(fee_type, amount, int(fee))
    return Quote(fee_type, amount, int(bands[-1][1]))


def merchant_fee(amount: int, rate_bp: int) -> int:
    """Merchant fee in basis points of the amount, rounded down (the customer never pays it)."""
    return amount * rate_bp // 10_000


def commission(config: Config, operation: str, amount: int, fee: int) -> int:
    """The agent's commission for one operation (0 when none is configured)."""
    rule = config.COMMISSIONS.get(operation)
    if not rule:
        return 0
    value = fee * rule.get("percent_of_fee", 0) // 100
    value += amount * rule.get("percent_of_amount_bp", 0) // 10_000
    cap = rule.get("max")
    if cap is not None:
        value = min(value, cap)
    return max(0, value)


def fee_range(config: Config, fee_type: str) -> tuple[int, int]:
    """The lowest and the highest fee of ``fee_type`` over its whole grid: what a
    published leaflet says ("from 50 to 5 000 F"), read from the same bands as
    ``quote``."""
    bands = config.TARIFFS.get(fee_type)
    if not bands:
        raise ValidationFailed({"type": [f"Must be one of: {', '.join(sorted(config.TARIFFS))}."]})
    fees = [int(fee) for _upper, fee in bands]
    return min(fees), max(fees)
