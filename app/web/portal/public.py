"""The portal's public pages: the home page (what the post offers)."""

from __future__ import annotations

from flask import render_template

from app.web.portal.common import Page, blueprint


@blueprint.route("/")
def home() -> Page:
    return render_template("portal/home.html")
