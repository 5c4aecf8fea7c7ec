"""The printed labels of receipts and of the end-of-day report, from the catalogs.

Templates read ``labels["amount"]`` rather than carrying French words, so the
wording lives with every other text customers read (``receipts.<lang>.po``).
"""

from __future__ import annotations

from app.i18n import translate

RECEIPT_KEYS = (
    "title",
    "post_office",
    "agent",
    "operation",
    "reference",
    "date",
    "amount",
    "fee",
    "total",
    "in_words",
    "customer",
    "reversed",
    "print",
    "back",
    "footer",
)
TILL_KEYS = (
    "title",
    "day",
    "opening_float",
    "closing_float",
    "current_float",
    "commission",
    "commission_short",
    "operations",
    "totals",
    "type",
    "time",
    "count",
    "none",
    "counted_cash",
    "cash_in",
    "cash_out",
    "closed_at",
    "open",
    "signature",
)
_RECEIPT_LABEL_KEYS = {"title", "reversed", "print", "back", "footer"}


def receipt_labels(language: str = "fr") -> dict[str, str]:
    """``{"amount": "Montant", "fee": "Frais", …}`` for the receipt templates."""
    labels = {}
    for name in RECEIPT_KEYS:
        key = f"receipt.{name}" if name in _RECEIPT_LABEL_KEYS else f"receipt.label.{name}"
        labels[name] = translate(key, language)
    return labels


def till_labels(language: str = "fr") -> dict[str, str]:
    """``{"opening_float": "Fonds de caisse à l'ouverture", …}`` plus the receipt labels
    (``amount``, ``fee``, ``reference``, ``print`` …) the end-of-day report reuses;
    ``title`` is the report's ("Arrêté de caisse")."""
    labels = receipt_labels(language)
    labels.update({name: translate(f"till.{name}", language) for name in TILL_KEYS})
    return labels
