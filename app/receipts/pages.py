"""What the printable pages are rendered with: the 80 mm receipt and the end-of-day report.

The web layer owns the Jinja environment (``render_template``); this module
only gathers each page's context, so the pages and their tests agree on the
names:

* ``receipts/thermal.html``: ``receipt`` (a ``Receipt``), ``qr_svg`` (inline
  SVG markup, inserted with ``|safe``), ``labels``, ``back_url`` (optional);
* ``receipts/end_of_day.html``: ``till`` (an ``agents.till.TillDay``),
  ``labels``, ``back_url`` (optional).
"""

from __future__ import annotations

from typing import Any

from app.agents.till import TillDay
from app.receipts.labels import receipt_labels, till_labels
from app.receipts.model import Receipt
from app.receipts.qr import receipt_qr_svg

THERMAL_TEMPLATE = "receipts/thermal.html"
END_OF_DAY_TEMPLATE = "receipts/end_of_day.html"


def thermal_context(receipt: Receipt, *, back_url: str | None = None) -> dict[str, Any]:
    """``render_template(THERMAL_TEMPLATE, **thermal_context(receipt))``."""
    return {
        "receipt": receipt,
        "qr_svg": receipt_qr_svg(receipt.reference),
        "labels": receipt_labels(),
        "back_url": back_url,
    }


def end_of_day_context(till: TillDay, *, back_url: str | None = None) -> dict[str, Any]:
    """``render_template(END_OF_DAY_TEMPLATE, **end_of_day_context(till))``."""
    return {"till": till, "labels": till_labels(), "back_url": back_url}
