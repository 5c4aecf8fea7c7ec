"""The post-office counter: the agents' web application under ``/counter``.

Server-rendered pages in French (``app/templates/counter``, texts in
``app/i18n/web``), one small stylesheet, no script. Every page goes through the
same domain services as the REST API (``app.agents.cash``,
``app.remittances.counter``, ``app.payments.counter``, ``app.customers``); the
handlers here only read a form, call one service inside ``transaction()`` and
render. Signing in, the session and its idle timeout are in ``auth.py``, the
one-payment-per-form guarantee in ``once.py``.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Mount the counter's blueprint and the cookie settings its session needs."""
    from flask_wtf.csrf import CSRFError

    from app.web.counter.views import blueprint, csrf_failed

    config = app.extensions["postcash"].config
    app.config.update(
        SESSION_COOKIE_NAME="postcash_counter",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=config.serves_https_only,
        SESSION_COOKIE_PATH="/counter",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session; the session times out
        WTF_CSRF_SSL_STRICT=config.serves_https_only,
    )
    app.register_blueprint(blueprint)
    app.register_error_handler(CSRFError, csrf_failed)
