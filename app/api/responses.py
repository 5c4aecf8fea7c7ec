"""What a resource method returns, as flask-restx renders it.

A resource returns a JSON object (``Body``), or that object with its status
code, or with its status code and extra headers (``Headers``, e.g. ``no-store``
on a response that carries a secret). A 204 returns ``("", 204)``.
"""

from __future__ import annotations

from typing import Any, TypeAlias

Body: TypeAlias = dict[str, Any]
Headers: TypeAlias = dict[str, str]
