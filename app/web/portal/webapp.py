"""The portal as an installable web app: its manifest, its service worker and the
offline page the worker shows when the network is gone.

The worker (``/sw.js``, scope ``/``) keeps the offline shell only: the
stylesheet, the icons and ``/hors-ligne``. It never stores a page it fetched,
so a signed-in page (``/compte``) or a letter's tracking never lands in a
cache a shared phone would keep. Its text is a template whose version is a
digest of the shell, so a changed stylesheet installs a new worker.

A worker script is governed by the CSP of its own response: it gets a policy
allowing ``fetch`` from this origin only, where any other script answer gets
``default-src 'none'`` (which would stop it caching anything).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Response, current_app, render_template, url_for

from app.web.portal.common import Page, blueprint, text

ICON_SIZES = (192, 512)
WORKER_POLICY = "default-src 'none'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
SHELL_FILES = ("portal.css", "portal/register-sw.js", *(f"portal/icon-{n}.png" for n in ICON_SIZES))


@blueprint.route("/manifest.webmanifest")
def manifest() -> Response:
    body = {
        "name": text("portal.app.name"),
        "short_name": text("portal.public.app.short"),
        "description": text("portal.home.intro"),
        "lang": text("portal.public.app.lang"),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#fafafa",
        "theme_color": "#00477f",
        "icons": [
            {
                "src": url_for("static", filename=f"portal/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in ICON_SIZES
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response


@blueprint.route("/sw.js")
def service_worker() -> Response:
    shell = [url_for("static", filename=name) for name in SHELL_FILES]
    shell.append(url_for("portal.offline"))
    script = render_template("portal/public/sw.js", version=shell_version(), shell=shell)
    response = Response(script, mimetype="text/javascript")
    # The browser checks for a new worker at each visit; never let a cache pin an old one.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = WORKER_POLICY
    return response


@blueprint.route("/hors-ligne")
def offline() -> Page:
    return render_template("portal/public/offline.html")


@lru_cache(maxsize=1)
def _digest(static_folder: str, templates: str) -> str:
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update((Path(static_folder) / name).read_bytes())
    digest.update((Path(templates) / "portal" / "public" / "offline.html").read_bytes())
    return digest.hexdigest()[:12]


def shell_version() -> str:
    """A digest of the shell's files: the worker's cache name changes with them."""
    templates = str(Path(current_app.root_path) / "templates")
    return _digest(str(current_app.static_folder), templates)
