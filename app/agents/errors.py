"""Errors of the counter; each keeps a stable code of API.md."""

from __future__ import annotations

from app.errors import DomainError


class TillClosed(DomainError):
    """The agent closed today's till: no cash operation until the next day (Brazzaville)."""

    code = "till_closed"
    status = 409
    title = "Till closed for the day"
