"""Security headers on every answer, whichever door it comes from.

* ``X-Content-Type-Options: nosniff``: a browser takes a JSON or text answer for
  what its ``Content-Type`` says, never for a script or a page it guessed.
* ``Referrer-Policy: no-referrer``: a URL of ours (an id in a path, a query) is
  never sent on to another site.
* ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``: no page of ours may
  be framed (clickjacking); the first for browsers that predate the second.
* ``Strict-Transport-Security`` where the service is reached over HTTPS only
  (``Config.serves_https_only``: production and staging); never on a laptop,
  where it would pin ``localhost`` to HTTPS for a year.
* ``Content-Security-Policy``: an HTML page (Swagger UI, the USSD simulator) may
  run scripts from this origin and the inline scripts it carries itself (their
  SHA-256 hashes, read from the page as it is answered: a script injected into a
  page would need the hash of itself in the header, which only the page has),
  use styles from here or inline (Swagger UI's React sets style attributes; the
  portal's signed-in pages, which have none, refuse inline styles),
  images from here or ``data:`` (Swagger UI's icons), fonts from here, and
  ``fetch`` this origin only (the specs, "Try it out", ``POST /ussd``), and the
  portal's web-app manifest from here (``manifest-src``). Any other
  answer (JSON, problem+json, text) may load nothing at all.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response

from app.config import Config

HSTS = "max-age=31536000; includeSubDomains"
NOTHING = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HTML_POLICY = (
    "default-src 'none'; script-src 'self'{scripts}; style-src 'self'{styles}; "
    "img-src 'self' data:{images}; font-src 'self'; connect-src 'self'; manifest-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# An inline script: a <script> element without a src attribute, and its text.
_INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)


def register(app: Flask, config: Config) -> None:
    https_only = config.serves_https_only

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", content_security_policy(response))
        if https_only:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def content_security_policy(
    response: Response, *, images: tuple[str, ...] = (), inline_styles: bool = True
) -> str:
    """The policy of ``response``; ``images`` adds origins a page may show images
    from (the portal's map page: OpenStreetMap's tiles), for that page alone;
    ``inline_styles=False`` refuses style attributes and elements too, for pages
    that have none (the portal's signed-in pages)."""
    if response.mimetype != "text/html":
        return NOTHING
    return HTML_POLICY.format(
        scripts="".join(f" '{h}'" for h in inline_script_hashes(response)),
        styles=" 'unsafe-inline'" if inline_styles else "",
        images="".join(f" {origin}" for origin in images),
    )


def inline_script_hashes(response: Response) -> list[str]:
    """``sha256-…`` of each inline script of an HTML page (none for a page sent as a
    file or a stream: its body is not read here, and its inline scripts do not run)."""
    if response.direct_passthrough or response.is_streamed:
        return []
    page = response.get_data(as_text=True)
    found = []
    for match in _INLINE_SCRIPT.finditer(page):
        digest = hashlib.sha256(match.group(1).encode()).digest()
        found.append("sha256-" + base64.b64encode(digest).decode())
    return list(dict.fromkeys(found))
