"""The postal portal: the customers' web place, in French and Lingala.

Public pages at ``/`` (what the post offers, fees, post offices, letter
tracking: ``public.py``) and the signed-in customer's pages under ``/compte``
(``account.py`` and its neighbours). Both share ``common.py``: the language
of the request, texts from ``app/i18n/web/portal.<lang>.po`` (keys under
``portal.``), CSRF on every POST, French or Lingala error pages, and the base
template ``app/templates/portal/base.html``. Built for the phones people have:
server-rendered HTML that works with JavaScript off, one small stylesheet.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from app.web.portal import (  # noqa: F401  (their pages)
        account,
        bills,
        likelemba,
        mail,
        offices,
        payments,
        public,
        requests,
        savings,
        send,
        signup,
        statement,
        webapp,
    )
    from app.web.portal.common import blueprint

    app.register_blueprint(blueprint)
