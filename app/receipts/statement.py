"""A customer's statement as a PDF (the portal's export), and the same lines as CSV.

The caller gives the words (the customer's language) and the lines as
``transfers.statements.customer_statement`` explains them; nothing here reads
the database, so the figures are exactly the page's.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.money import format_amount


@dataclass(frozen=True, slots=True)
class StatementWords:
    title: str
    holder: str  # "Awa Mabiala, +24206*****67"
    period: str
    columns: Sequence[str]  # date, reference, type, counterparty, amount, fee, balance
    empty: str


def rows_of(lines: Sequence[dict[str, Any]], when: Any, kind: Any) -> list[list[str]]:
    """Each line as the cells shown: ``when(datetime)`` and ``kind(type)`` give the
    customer's words for the date and the type."""
    rows = []
    for line in lines:
        sign = "-" if line["direction"] == "debit" else "+"
        other = line.get("counterparty") or {}
        rows.append(
            [
                when(line["created_at"]),
                line.get("reference") or "",
                kind(line["type"]),
                " ".join(filter(None, [other.get("name"), other.get("msisdn")])),
                f"{sign}{format_amount(line['amount'])}",
                format_amount(line["fee"]) if line["fee"] else "",
                format_amount(line["balance_after"]),
            ]
        )
    return rows


# One of our own figures ("+1 000 FCFA", "-500 FCFA"): the only cell that may start with
# a sign. Anything else starting with = + - @ (or a tab, a carriage return) is a formula
# to a spreadsheet; a likelemba group's name, chosen by a customer, is one of those cells.
_FIGURE = re.compile(r"[+-]?\d[\d \u00a0\u202f]*(?:,\d+)?(?: [A-Za-z]+)?")


def _inert(cell: str) -> str:
    if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _FIGURE.fullmatch(cell):
        return "'" + cell
    return cell


def statement_csv(words: StatementWords, rows: list[list[str]]) -> str:
    """The lines as CSV, no cell a spreadsheet would run as a formula (CSV injection)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(words.columns)
    writer.writerows([[_inert(cell) for cell in row] for row in rows])
    return out.getvalue()


def statement_pdf(words: StatementWords, rows: list[list[str]]) -> bytes:
    """An A4 statement: the holder, the period, one table row per line (repeated
    header on each page)."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=words.title,
        author="PostCash",
        invariant=1,
    )
    styles = getSampleStyleSheet()
    story: list[Any] = [
        Paragraph(words.title, styles["Title"]),
        Paragraph(words.holder, styles["Normal"]),
        Paragraph(words.period, styles["Normal"]),
        Spacer(1, 6 * mm),
    ]
    if not rows:
        story.append(Paragraph(words.empty, styles["Normal"]))
    else:
        table = Table(
            [list(words.columns), *rows],
            repeatRows=1,
            colWidths=[24 * mm, 24 * mm, 28 * mm, 44 * mm, 22 * mm, 18 * mm, 24 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                    ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                    ("ALIGN", (4, 0), (-1, -1), "RIGHT"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                    (
                        "ROWBACKGROUNDS",
                        (0, 1),
                        (-1, -1),
                        [colors.white, colors.HexColor("#f2f2f2")],
                    ),
                ]
            )
        )
        story.append(table)
    document.build(story)
    return buffer.getvalue()
