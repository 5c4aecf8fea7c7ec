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
    """Mount the counter's blueprint (cookies and CSRF settings: ``app.web.register``)."""
    from flask_wtf.csrf import CSRFError

    from app.web.counter import float_page  # noqa: F401  (float requests)
    from app.web.counter.views import blueprint, csrf_failed

    app.register_blueprint(blueprint)
    app.register_error_handler(CSRFError, csrf_failed)
