"""Letters for the hybrid-mail tests: real PDFs made with reportlab, and broken ones."""

from __future__ import annotations

import io
import json
from typing import Any

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def make_pdf(pages: int = 1, text: str = "Lettre") -> bytes:
    """A plain A4 PDF of ``pages`` pages, each saying ``text`` and its page number."""
    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=A4, invariant=True)  # the same bytes every time
    for number in range(1, pages + 1):
        drawing.drawString(72, 750, f"{text} - page {number}")
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf(1))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zero_page_pdf() -> bytes:
    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def letter_form(
    pdf: bytes | None = None,
    *,
    recipient: dict[str, Any] | None = None,
    service: str = "ordinary",
    delivery: str = "auto",
    **meta: Any,
) -> dict[str, Any]:
    """The multipart body of ``POST /mail/letters``."""
    body: dict[str, Any] = {
        "meta": json.dumps(
            {
                "recipient": recipient or {"name": "Bruno Ngoma", "msisdn": "+242069999999"},
                "service": service,
                "delivery": delivery,
                **meta,
            }
        )
    }
    if pdf is not None:
        body["file"] = (io.BytesIO(pdf), "lettre.pdf", "application/pdf")
    return body


def multipart(form: dict[str, Any]) -> tuple[bytes, str]:
    """``form`` encoded by hand (body, content type): the test client's encoder spools a
    large file to a temporary file it never closes."""
    boundary = "postcash-letter-boundary"
    parts: list[bytes] = []
    for name, value in form.items():
        if isinstance(value, tuple):
            stream, filename, *kind = value
            data = stream.getvalue()
            head = (
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {kind[0] if kind else 'application/octet-stream'}\r\n\r\n"
            )
        else:
            data = str(value).encode()
            head = f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"--{boundary}\r\n".encode() + head.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


ADDRESS = {"line1": "12 rue Mbochi", "po_box": "BP 2099", "city": "Brazzaville"}


def archive(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` (name → bytes), deflated."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name, data in files.items():
            zipped.writestr(name, data)
    return out.getvalue()


def manifest(rows: list[dict[str, str]]) -> bytes:
    """A CSV manifest of ``rows`` (the columns of the first row)."""
    import csv

    out = io.StringIO()
    columns = list(dict.fromkeys(name for item in rows for name in item))
    writer = csv.DictWriter(out, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def batch_form(
    reference: str, rows: list[dict[str, str]], files: dict[str, bytes]
) -> dict[str, Any]:
    return {
        "reference": reference,
        "manifest": (io.BytesIO(manifest(rows)), "manifest.csv", "text/csv"),
        "archive": (io.BytesIO(archive(files)), "letters.zip", "application/zip"),
    }
