"""The print-ready PDF of a print batch: A4, before each letter an address sheet.

The sheet is laid out for a French-standard window envelope (DL, window on the
right, 100 x 45 mm, its top 50 mm below the top of the folded page): the
recipient's block — the tracking number as a Code 128 barcode with its text,
then the name and address — sits in the window; the sender is printed at the
top left. The letter's pages follow, each fitted to A4 if it is another size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

A4_WIDTH, A4_HEIGHT = A4
WINDOW_LEFT = 100 * mm
WINDOW_TOP = A4_HEIGHT - 50 * mm
WINDOW_WIDTH = 100 * mm
WINDOW_HEIGHT = 45 * mm


@dataclass(frozen=True, slots=True)
class Sheet:
    """What an address sheet shows."""

    tracking_number: str
    sender: str
    recipient: str
    address_lines: list[str]
    service_label: str


def _fit(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def address_sheet(sheet: Sheet) -> bytes:
    """One A4 page: the sender top left, the window block, the tracking number."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    page.setTitle(sheet.tracking_number)
    page.setFont("Helvetica", 9)
    page.drawString(20 * mm, A4_HEIGHT - 20 * mm, "Expéditeur :")
    page.setFont("Helvetica-Bold", 10)
    page.drawString(20 * mm, A4_HEIGHT - 25 * mm, _fit(sheet.sender))
    page.setFont("Helvetica", 9)
    page.drawString(20 * mm, A4_HEIGHT - 30 * mm, sheet.service_label)
    # The window: barcode, its text, then the recipient.
    barcode = Code128(sheet.tracking_number, barHeight=10 * mm, barWidth=0.33 * mm, quiet=False)
    top = WINDOW_TOP - 3 * mm
    barcode.drawOn(page, WINDOW_LEFT + 5 * mm, top - 10 * mm)
    page.setFont("Courier-Bold", 11)
    page.drawString(WINDOW_LEFT + 5 * mm, top - 15 * mm, sheet.tracking_number)
    page.setFont("Helvetica-Bold", 11)
    line = top - 21 * mm
    page.drawString(WINDOW_LEFT + 5 * mm, line, _fit(sheet.recipient, 40))
    page.setFont("Helvetica", 10)
    for text in sheet.address_lines[:4]:
        line -= 5 * mm
        page.drawString(WINDOW_LEFT + 5 * mm, line, _fit(text, 44))
    page.showPage()
    page.save()
    return out.getvalue()


def _a4(page: PageObject) -> PageObject:
    """The page as it is when A4 (2 pt of slack), else scaled and centred on A4."""
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    if abs(width - A4_WIDTH) <= 2 and abs(height - A4_HEIGHT) <= 2:
        return page
    scale = min(A4_WIDTH / width, A4_HEIGHT / height)
    blank = PageObject.create_blank_page(width=A4_WIDTH, height=A4_HEIGHT)
    dx = (A4_WIDTH - width * scale) / 2 - float(page.mediabox.left) * scale
    dy = (A4_HEIGHT - height * scale) / 2 - float(page.mediabox.bottom) * scale
    blank.merge_transformed_page(page, Transformation().scale(scale, scale).translate(dx, dy))
    return blank


def batch_pdf(items: list[tuple[Sheet, bytes]]) -> tuple[bytes, int]:
    """The batch's PDF and its page count: each letter's sheet, then its pages."""
    writer = PdfWriter()
    for sheet, letter in items:
        writer.add_page(PdfReader(io.BytesIO(address_sheet(sheet))).pages[0])
        for page in PdfReader(io.BytesIO(letter)).pages:
            writer.add_page(_a4(page))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)
