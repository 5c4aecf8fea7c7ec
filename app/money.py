"""Money as integers in the currency's minor unit.

XAF has no minor unit: 5000 is 5 000 FCFA. Nothing here accepts a float; mixing
currencies raises. Formatting follows the French convention used on SMS and
USSD screens ("12 500 FCFA", with an ordinary space so it is GSM-7).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CURRENCY_SYMBOLS = {"XAF": "FCFA", "EUR": "EUR", "USD": "USD"}
MINOR_UNITS = {"XAF": 0, "EUR": 2, "USD": 2, "GBP": 2, "CNY": 2, "XOF": 0}


class MixedCurrencies(TypeError):
    """Adding or comparing amounts of two currencies is always a bug."""


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str = "XAF"

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError(f"Money amount must be an int, got {type(self.amount).__name__}")

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money only combines with Money")
        if other.currency != self.currency:
            raise MixedCurrencies(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)


def group_thousands(value: int) -> str:
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,}".replace(",", " ")
    return sign + digits


def format_amount(amount: int, currency: str = "XAF") -> str:
    """'12 500 FCFA'. Minor units are shown for currencies that have them."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("format_amount takes an integer amount")
    units = MINOR_UNITS.get(currency, 0)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if units == 0:
        return f"{group_thousands(amount)} {symbol}"
    major, minor = divmod(abs(amount), 10**units)
    sign = "-" if amount < 0 else ""
    return f"{sign}{group_thousands(major)},{minor:0{units}d} {symbol}"


def parse_amount(text: str) -> int | None:
    """Parse what a customer types ("5000", "5 000", "5.000") into francs, or None."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace(".", "")
    cleaned = cleaned.upper().removesuffix("FCFA").removesuffix("F")
    # isdigit() alone accepts "²" or Arabic-Indic digits, which int() refuses.
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 12:
        return None
    value = int(cleaned)
    return value if value > 0 else None


def convert_down(amount_minor: int, from_currency: str, rate: Decimal) -> int:
    """Convert minor units of ``from_currency`` to whole francs, rounding down.

    Rounding down means the operator never pays out a franc it did not receive.
    """
    units = MINOR_UNITS.get(from_currency, 2)
    major = Decimal(amount_minor) / (Decimal(10) ** units)
    return int((major * rate).to_integral_value(rounding=ROUND_DOWN))
