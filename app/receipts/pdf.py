"""The A4 PDF of a receipt (reportlab): what the customer keeps when no thermal printer is there.

One page: the operator and the post office, the operation, a table of the
figures, the cash in words, the date in Brazzaville time and a QR code of the
reference (scanned at a reprint or a dispute). Built with the standard
Helvetica fonts, which carry every French accent, so nothing is embedded and
the file stays a few kilobytes. ``invariant`` makes the same receipt the same
bytes (no creation time inside), so a reprint is identical to the first print.
"""

from __future__ import annotations

from io import BytesIO

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.receipts.labels import receipt_labels
from app.receipts.model import Receipt

MARGIN = 20 * mm
QR_SIZE = 38 * mm


def _qr_drawing(value: str, size: float) -> Drawing:
    widget = QrCodeWidget(value, barLevel="M", barWidth=size, barHeight=size)
    drawing = Drawing(size, size)
    drawing.add(widget)
    return drawing


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Cut ``text`` into lines no wider than ``width`` (the amount in words can be long)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and stringWidth(candidate, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a one-page A4 PDF."""
    labels = receipt_labels()
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"{labels['title']} {receipt.reference}")
    canvas.setAuthor(receipt.operator)
    canvas.setSubject(receipt.operation_label)
    width, height = A4
    y = height - MARGIN

    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(MARGIN, y, receipt.operator)
    y -= 18
    canvas.setFont("Helvetica", 11)
    canvas.drawString(MARGIN, y, receipt.service)
    y -= 15
    office = receipt.post_office
    if receipt.post_office_code:
        office = f"{office} ({receipt.post_office_code})"
    canvas.drawString(MARGIN, y, office)
    y -= 15
    canvas.drawString(MARGIN, y, f"{labels['agent']} : {receipt.agent}")

    renderPDF.draw(
        _qr_drawing(receipt.reference, QR_SIZE), canvas, width - MARGIN - QR_SIZE, y - 10
    )

    y -= 40
    canvas.setFont("Helvetica-Bold", 18)
    canvas.drawString(MARGIN, y, f"{labels['title']} — {receipt.operation_label}")
    if receipt.reversed:
        y -= 22
        canvas.setFillColorRGB(0.7, 0, 0)
        canvas.drawString(MARGIN, y, labels["reversed"])
        canvas.setFillColorRGB(0, 0, 0)
    y -= 30

    rows: list[tuple[str, str]] = [
        (labels["reference"], receipt.reference),
        (labels["date"], receipt.at_local),
    ]
    if receipt.counterparty or receipt.counterparty_name:
        customer = " ".join(p for p in (receipt.counterparty_name, receipt.counterparty) if p)
        rows.append((labels["customer"], customer))
    rows += list(receipt.details)
    rows += [
        (labels["amount"], receipt.amount_text),
        (labels["fee"], receipt.fee_text),
        (labels["total"], receipt.total_text),
        (receipt.cash_label, receipt.cash_text),
    ]
    value_x = MARGIN + 55 * mm
    for label, value in rows:
        canvas.setFont("Helvetica", 11)
        canvas.drawString(MARGIN, y, label)
        bold = label in (labels["total"], receipt.cash_label)
        canvas.setFont("Helvetica-Bold" if bold else "Helvetica", 11)
        canvas.drawString(value_x, y, value)
        y -= 18
        canvas.setStrokeColorRGB(0.85, 0.85, 0.85)
        canvas.line(MARGIN, y + 12, width - MARGIN, y + 12)

    y -= 14
    canvas.setFont("Helvetica", 11)
    canvas.drawString(MARGIN, y, f"{labels['in_words']} :")
    y -= 16
    canvas.setFont("Helvetica-BoldOblique", 12)
    for line in _wrap(receipt.cash_words, "Helvetica-BoldOblique", 12, width - 2 * MARGIN):
        canvas.drawString(MARGIN, y, line)
        y -= 16

    canvas.setFont("Helvetica", 9)
    canvas.drawString(MARGIN, MARGIN, labels["footer"])
    canvas.drawRightString(width - MARGIN, MARGIN, f"{receipt.service} · {receipt.reference}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def receipt_filename(receipt: Receipt) -> str:
    """'recu-PC7K2M9Q.pdf': the download's name (``Content-Disposition``)."""
    safe = "".join(c for c in receipt.reference if c.isascii() and c.isalnum())
    return f"recu-{safe}.pdf"
