"""Counter receipts: the view-model of one operation, its A4 PDF, the printable pages' parts.

``receipt_for(session, agent, reference)`` builds a ``Receipt`` (French, ready to
print); ``receipt_pdf(receipt)`` makes the PDF; the web layer renders
``receipts/thermal.html`` with ``thermal_context(receipt)`` and
``receipts/end_of_day.html`` with ``end_of_day_context(till)``. No Flask here.
"""

from app.agents.till import operation_label
from app.receipts.labels import receipt_labels, till_labels
from app.receipts.model import (
    CounterOperation,
    Receipt,
    build_receipt,
    find_operations,
    format_local,
    receipt_for,
    register_source,
)
from app.receipts.pages import (
    END_OF_DAY_TEMPLATE,
    THERMAL_TEMPLATE,
    end_of_day_context,
    thermal_context,
)
from app.receipts.pdf import receipt_filename, receipt_pdf
from app.receipts.qr import receipt_qr_svg
from app.receipts.words import amount_in_words, number_in_words

__all__ = [
    "END_OF_DAY_TEMPLATE",
    "THERMAL_TEMPLATE",
    "CounterOperation",
    "Receipt",
    "amount_in_words",
    "build_receipt",
    "end_of_day_context",
    "find_operations",
    "format_local",
    "number_in_words",
    "operation_label",
    "receipt_filename",
    "receipt_for",
    "receipt_labels",
    "receipt_pdf",
    "receipt_qr_svg",
    "register_source",
    "thermal_context",
    "till_labels",
]
