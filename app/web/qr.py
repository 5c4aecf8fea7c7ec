"""A QR code as inline SVG, drawn on the server (no script, no external request).

reportlab, already a dependency for receipts, encodes the text
(``reportlab.graphics.barcode.qrencoder``); this module only draws its modules
as one SVG path, a few kilobytes instead of the ~60 KB its own SVG renderer writes.
Used to enrol a staff member's authenticator: the ``otpauth://`` URI is shown once.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from reportlab.graphics.barcode import qrencoder

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def qr_modules(text: str) -> list[list[bool]]:
    """The dark (True) and light modules of ``text``'s QR code, error correction M."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    size = code.getModuleCount()
    return [[bool(code.isDark(row, col)) for col in range(size)] for row in range(size)]


def qr_svg(text: str, *, title: str, pixels: int = 240) -> Markup:
    """An ``<svg>`` element of ``text``'s QR code, ``pixels`` wide, labelled ``title``."""
    modules = qr_modules(text)
    size = len(modules) + 2 * QUIET_ZONE
    path = "".join(
        f"M{start + QUIET_ZONE} {row + QUIET_ZONE}h{length}v1h-{length}z"
        for row, line in enumerate(modules)
        for start, length in _runs(line)
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{pixels}" height="{pixels}" role="img" aria-label="{escape(title)}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )


def _runs(line: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row: one rectangle per run."""
    runs: list[tuple[int, int]] = []
    start = None
    for col, dark in enumerate([*line, False]):
        if dark and start is None:
            start = col
        elif not dark and start is not None:
            runs.append((start, col - start))
            start = None
    return runs
