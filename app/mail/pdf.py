"""What a letter file must be: a PDF that parses, not encrypted, 1 to 50 pages,
at most 10 MB (the limits come from configuration). Anything else is refused
with a ``validation_error`` naming the ``file`` field, before anything is
stored or charged.
"""

from __future__ import annotations

import hashlib
import io
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from app.errors import ValidationFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckedPdf:
    """A letter file that passed: its bytes, fingerprint and page count."""

    data: bytes
    sha256: str
    pages: int

    @property
    def size(self) -> int:
        return len(self.data)


def _size(limit: int) -> str:
    megabyte = 1024 * 1024
    return f"{limit // megabyte} MB" if limit % megabyte == 0 else f"{limit} bytes"


def refuse(message: str, field: str = "file") -> ValidationFailed:
    return ValidationFailed({field: [message]}, detail=message)


def check_pdf(data: bytes, *, max_bytes: int, max_pages: int, field: str = "file") -> CheckedPdf:
    """The file as a ``CheckedPdf``, or a ``validation_error`` saying what is wrong."""
    if not data:
        raise refuse("The file is empty: attach the letter as a PDF.", field)
    if len(data) > max_bytes:
        raise refuse(f"The file is larger than {_size(max_bytes)}.", field)
    if not data.lstrip()[:5] == b"%PDF-":
        raise refuse("The file is not a PDF.", field)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise refuse("The PDF is encrypted or password-protected: send it unprotected.", field)
        pages = len(reader.pages)
        for page in reader.pages:  # every page must have a size a printer can use
            page.mediabox.width  # noqa: B018 - reading it is the check
    except ValidationFailed:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        log.info("letter file refused: %s", type(exc).__name__)
        raise refuse("The PDF cannot be read (damaged or not a PDF).", field) from None
    except RecursionError:
        raise refuse("The PDF cannot be read (damaged or not a PDF).", field) from None
    if pages < 1:
        raise refuse("The PDF has no page.", field)
    if pages > max_pages:
        raise refuse(f"The PDF has {pages} pages; at most {max_pages}.", field)
    return CheckedPdf(data=data, sha256=hashlib.sha256(data).hexdigest(), pages=pages)


PARALLEL_FROM = 256  # below this, starting worker processes costs more than it saves


def _check_one(args: tuple[bytes, int, int]) -> tuple[CheckedPdf | None, str | None]:
    data, max_bytes, max_pages = args
    try:
        return check_pdf(data, max_bytes=max_bytes, max_pages=max_pages), None
    except ValidationFailed as exc:
        return None, exc.detail


def check_many(
    files: list[bytes], *, max_bytes: int, max_pages: int
) -> list[tuple[CheckedPdf | None, str | None]]:
    """``check_pdf`` of each file, as ``(checked, None)`` or ``(None, why)``. A sender's
    batch of thousands is parsed on every core (pypdf is pure Python: threads would
    queue on the interpreter lock), in fresh processes (``spawn``: nothing of the
    caller's open connections is inherited)."""
    jobs = [(data, max_bytes, max_pages) for data in files]
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < PARALLEL_FROM or workers < 2:
        return [_check_one(job) for job in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_check_one, jobs, chunksize=64))
