"""The command line (``flask …``): what every command that changes something shares.

One unit of work, and a refusal said the way the API would say it instead of a
traceback. Each package keeps its own group in its ``commands.py``; the factory
(``register_commands`` in ``app/__init__.py``) lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from sqlalchemy.orm import Session

from app.db import transaction
from app.errors import DomainError

T = TypeVar("T")


def click_error(exc: DomainError) -> click.ClickException:
    """A refused command line, said the way the API would say it."""
    errors = exc.extra.get("errors")
    return click.ClickException(f"{exc.detail} {errors}" if errors else exc.detail)


def in_transaction(work: Callable[[Session], T]) -> T:
    """Run ``work`` in one unit of work; a domain refusal becomes the command's error."""
    try:
        with transaction() as session:
            return work(session)
    except DomainError as exc:
        raise click_error(exc) from exc
