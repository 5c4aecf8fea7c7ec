"""Response fields that may be ``null``, said so in the OpenAPI document (``x-nullable``).

Swagger 2.0 has no ``null`` type; ``x-nullable: true`` is the extension its
tools read (schemathesis among them), so a response with ``"next_cursor":
null`` is valid against the document instead of a schema violation.
"""

from __future__ import annotations

from typing import Any

from flask_restx import fields


class _Nullable(fields.Raw):
    """Mixed in before a field class: its schema, plus ``x-nullable``."""

    def schema(self) -> dict[str, Any]:
        return {**super().schema(), "x-nullable": True}


class String(_Nullable, fields.String):
    pass


class Integer(_Nullable, fields.Integer):
    pass


class DateTime(_Nullable, fields.DateTime):
    pass


class Raw(_Nullable, fields.Raw):
    pass
