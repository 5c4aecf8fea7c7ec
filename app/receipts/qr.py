"""The reference as a QR code: inline SVG for the thermal page, a drawing for the PDF.

Both come from reportlab's QR encoder (the PDF needs reportlab anyway, so no
second QR library). The SVG is one ``<path>`` of dark modules on a white
square with the four-module quiet zone scanners need, sized by the page's CSS.
"""

from __future__ import annotations

from reportlab.graphics.barcode import qrencoder

QUIET_ZONE = 4


def qr_modules(value: str) -> list[list[bool]]:
    """The QR matrix of ``value`` (error correction M: a smudged thermal print still scans)."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.make()
    return [[bool(cell) for cell in row] for row in code.modules]


def receipt_qr_svg(reference: str, *, title: str | None = None) -> str:
    """An inline ``<svg>`` QR code of ``reference``; safe to insert unescaped (``|safe``).

    The reference is written into the ``<title>`` only after escaping, so even a
    strange value cannot break out of the markup.
    """
    from markupsafe import escape

    modules = qr_modules(reference)
    size = len(modules) + 2 * QUIET_ZONE
    runs = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    label = escape(title if title is not None else reference)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'class="qr" role="img" aria-label="{label}" shape-rendering="crispEdges">'
        f"<title>{label}</title>"
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
