"""Errors of hybrid mail, each with the stable ``code`` of docs/API.md."""

from __future__ import annotations

from app.errors import NotFound


class LetterNotFound(NotFound):
    """No such letter for this caller (another's letter answers the same: no existence leak)."""

    title = "Letter not found"


class TrackingNotFound(NotFound):
    """A well-formed tracking number we never issued (or not paid yet)."""

    title = "Tracking number not found"


class PrintBatchNotFound(NotFound):
    """No such print batch at a centre this agent works for."""

    title = "Print batch not found"
