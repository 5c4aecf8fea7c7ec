"""Server-rendered web pages (channel layer): the post-office counter (``/counter``),
the head office's back office (``/backoffice``), the customers' portal (``/``,
``/compte``).

Each application has its own session cookie (``cookies.py``) and its own door
for staff (``staff_session.py``); CSRF tokens (Flask-WTF) live in the session
of the area that rendered the form.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Cookie and CSRF settings shared by every web area, then each area's blueprint."""
    from app.web.backoffice import register as register_backoffice
    from app.web.cookies import AreaSessionInterface
    from app.web.counter import register as register_counter
    from app.web.portal import register as register_portal

    config = app.extensions["postcash"].config
    app.session_interface = AreaSessionInterface()
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=config.serves_https_only,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session; the session times out
        WTF_CSRF_SSL_STRICT=config.serves_https_only,
    )
    register_counter(app)
    register_backoffice(app)
    register_portal(app)
