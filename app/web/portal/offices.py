"""Find a post office (``/bureaux``): the list by département and town, with hours,
"open now" in Brazzaville time and services, narrowed by a GET form; and a map.

The list is the page: plain HTML, complete with JavaScript off or offline. The
map is an extra the customer asks for (a button drawn by ``portal-map.js``):
Leaflet (about 45 KB compressed) and OpenStreetMap's tiles (tens of KB each)
would alone spend a 3G phone's page budget, so they load on that tap only. The
offices' coordinates ride on the list items as ``data-`` attributes, so the map
needs no inline script and no other request to our server. This page alone
lets images come from the tile server (its CSP).
"""

from __future__ import annotations

from flask import make_response, render_template, request

from app.clock import LOCAL_TZ, clock
from app.db import transaction
from app.network import directory
from app.security_headers import content_security_policy
from app.web.portal.common import Page, blueprint

TILES = "https://tile.openstreetmap.org"


@blueprint.route("/bureaux")
def offices() -> Page:
    department = request.args.get("departement", "")[:8]
    query = request.args.get("q", "")[: directory.MAX_QUERY]
    with transaction() as session:
        departments = directory.departments(session)
        known = {code for code, _name in departments}
        found = directory.find_offices(
            session, department=department if department in known else None, query=query
        )
    groups: dict[tuple[str, str], list[directory.PublicOffice]] = {}
    for office in found:
        groups.setdefault((office.department, office.town), []).append(office)
    response = make_response(
        render_template(
            "portal/public/offices.html",
            departments=departments,
            department=department,
            query=query,
            groups=groups,
            count=len(found),
            today=directory.today(),
            now=clock.now().astimezone(LOCAL_TZ).strftime("%H:%M"),
            tiles=TILES,
        )
    )
    response.headers["Content-Security-Policy"] = content_security_policy(response, images=(TILES,))
    return response
