"""CSV downloads of the web areas: cells a spreadsheet will not run, lines as text.

A cell that starts with ``=``, ``@``, a tab or a carriage return, or with ``+``/``-``
followed by something other than a number, is what a spreadsheet runs as a formula
(CSV injection): it gets a leading apostrophe. Phone numbers (``+242…``) and signed
amounts stay as they are. Shared by the back office's exports (the audit trail, a
disbursement batch's results) so that every download is guarded the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run as a formula (``=``, ``@``, or ``+``/``-``
    followed by something other than a number); phone numbers stay as they are."""
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    if text[:1] in ("=", "@", "\t", "\r") or (
        text[:1] in ("+", "-") and not text[1:].replace(" ", "").isdigit()
    ):
        return "'" + text
    return text


def csv_lines(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as CSV text with the spreadsheets' line ending (cells written as given)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()
