"""Gzip for the web pages and their files: the portal's 60 KB budget is counted
compressed, and a 3G phone pays for every byte.

Done in the app (the standard library's ``gzip``) rather than with a package:
a few lines, no compiled dependency, and the same bytes whether the app sits
behind a proxy or is served alone (tests, Lighthouse, ``make run``). What is
compressed, when the browser says ``Accept-Encoding: gzip``:

* stylesheets, scripts, the web-app manifest and SVG, always;
* an HTML page, unless it carries a CSRF token. A page holding a secret next
  to text an attacker can make it echo is what BREACH reads through compressed
  sizes; such pages are small forms, sent as they are.

JSON (the REST API, whose answers carry tokens and codes) is never compressed,
for the same reason. A response sent as a file (``send_file``: the static
files) is read and compressed too; its ETag becomes weak, since the gzip bytes
are a different representation of the same resource.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

ALWAYS = frozenset(
    {
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/manifest+json",
        "image/svg+xml",
    }
)
# No body, or a part of one (a range): nothing to compress.
NO_BODY = frozenset({204, 206, 304})
MIN_SIZE = 512
LEVEL = 6
SECRET_MARKER = b'name="csrf_token"'


def register(app: Flask) -> None:
    """Compress after every other ``after_request`` hook has run: register this
    before the security headers (Flask runs those hooks in reverse order), which
    read the page's text to hash its inline scripts."""
    app.after_request(compress)


def compress(response: Response) -> Response:
    if not _wanted(response):
        return response
    if response.direct_passthrough:  # a file (static files, all small): read and close it
        source = response.response
        body = b"".join(part if isinstance(part, bytes) else part.encode() for part in source)
        close = getattr(source, "close", None)
        if close is not None:
            close()
        response.direct_passthrough = False
        response.set_data(body)
    else:
        body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    if response.mimetype == "text/html" and SECRET_MARKER in body:
        return response
    response.set_data(gzip.compress(body, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


def _wanted(response: Response) -> bool:
    if response.status_code in NO_BODY or "Content-Encoding" in response.headers:
        return False
    if response.is_streamed and not response.direct_passthrough:
        return False
    if response.mimetype not in ALWAYS and response.mimetype != "text/html":
        return False
    return request.accept_encodings.quality("gzip") > 0
