"""The partners area's pages: organisations, prefunding and callbacks (``partners``),
disbursement batches (``batches``). One module to import from ``register``."""

from app.web.backoffice import batches, partners

__all__ = ["batches", "partners"]
