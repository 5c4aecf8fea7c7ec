"""One session cookie per web application, each sent only to its own paths.

Flask has one session interface per app; the counter (agents), the back office
(head office) and the portal (customers) must not share a cookie: a customer's
portal session must never ride along to ``/backoffice``, and signing out of one
must not sign a person out of another. The cookie's name, path and SameSite
policy are chosen from the request's path; everything else (signing with
``SECRET_KEY``, ``HttpOnly``, ``Secure`` where the service is HTTPS-only) is
Flask's.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


@dataclass(frozen=True, slots=True)
class CookieArea:
    prefix: str
    name: str
    path: str
    samesite: str


# Staff areas are Strict (nobody reaches them by a link from elsewhere); the portal is
# Lax so that a customer following a link from an SMS or a search lands signed in.
AREAS = (
    CookieArea("/counter", "postcash_counter", "/counter", "Strict"),
    CookieArea("/backoffice", "postcash_backoffice", "/backoffice", "Strict"),
)
PORTAL = CookieArea("/", "postcash", "/", "Lax")


def area_of(path: str) -> CookieArea:
    for area in AREAS:
        if path == area.prefix or path.startswith(area.prefix + "/"):
            return area
    return PORTAL


class AreaSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, with the name, path and SameSite of the area."""

    def _area(self) -> CookieArea:
        return area_of(request.path) if has_request_context() else PORTAL

    def get_cookie_name(self, app: Flask) -> str:
        return self._area().name

    def get_cookie_path(self, app: Flask) -> str:
        return self._area().path

    def get_cookie_samesite(self, app: Flask) -> str:
        return self._area().samesite
