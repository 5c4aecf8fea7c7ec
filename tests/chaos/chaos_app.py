"""The application as the chaos runs serve it (``gunicorn … tests.chaos.chaos_app:app``).

The production factory, with two test-only differences: SMS go to the fake
Africa's Talking provider of the run (``CHAOS_SMS_URL``), so every message the
application really hands over is counted there; and confirmation windows are
short (``CHAOS_TTL`` seconds), so abandoned payments expire within the run.
"""

from __future__ import annotations

import os

from flask import Flask

from app import create_app
from app.config import Config
from app.notify.gateways import SERVICE_NAME, AfricasTalkingGateway


def build() -> Flask:
    ttl = int(os.environ.get("CHAOS_TTL", "20"))
    config = Config.from_env(
        OTP_TTL=ttl, WITHDRAWAL_TTL=ttl, OTP_RESEND_COOLDOWN=1, RATELIMIT_ENABLED=False
    )
    application = create_app(config)
    gateway = AfricasTalkingGateway(
        "postcash-chaos", "chaos-key", base_url=os.environ["CHAOS_SMS_URL"], timeout=(2, 5)
    )
    application.extensions["postcash"].services[SERVICE_NAME] = gateway
    return application


app = build()
