"""Errors of bulk disbursements; each keeps a stable code of API.md through its parent."""

from __future__ import annotations

from app.errors import Conflict, NotFound


class BatchNotFound(NotFound):
    """No batch with this id is visible to the caller (its payer, or an admin)."""

    title = "Batch not found"


class BatchReferenceReused(Conflict):
    """The payer already submitted a different batch under this reference."""

    title = "Batch reference already used"
