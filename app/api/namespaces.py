"""Every REST namespace, in the order Swagger lists them. Add new ones here."""

from __future__ import annotations

from flask_restx import Namespace

from app.api import admin, audit, auth, customers

ALL: list[Namespace] = [auth.ns, customers.ns, customers.me_ns, admin.ns]
ALL += [audit.ns]
