"""Every REST namespace, in the order Swagger lists them. Add new ones here."""

from __future__ import annotations

from flask_restx import Namespace

ALL: list[Namespace] = []
