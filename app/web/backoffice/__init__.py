"""The back office: the head office's and supervisors' web application under ``/backoffice``.

Three roles sign in (``access.py``): a post-office **supervisor** (their own
office), a head-office **operator** (acts; approves what another operator
proposed) and an **auditor** (reads everything, changes nothing: every POST of
an auditor is refused before its handler runs). ``admin`` accounts act as
operators. Each page declares who may open it with ``@allow(...)``; a test
walks every route with every role against those declarations.

Same habits as the counter: French texts from ``app/i18n/web/backoffice.fr.po``
(keys under ``bo.``), CSRF on every POST, pages never cached, domain errors
shown as French messages, the same domain services as REST.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from app.web.backoffice import (  # noqa: F401  (each area's pages)
        controls,
        customers,
        dashboard,
        network,
        partners_pages,
        payments,
        views,
    )
    from app.web.backoffice.blueprint import blueprint

    app.register_blueprint(blueprint)
