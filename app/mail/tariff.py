"""The price of a letter, from configuration (``MAIL_TARIFF``): per service, the
first page and each further page. All of it is the post's revenue (``fees:mail``)."""

from __future__ import annotations

from app.config import Config
from app.errors import ValidationFailed


def price(config: Config, service: str, pages: int) -> int:
    """What ``pages`` pages cost under ``service`` (XAF)."""
    rule = config.MAIL_TARIFF.get(service)
    if rule is None:
        raise ValidationFailed({"service": [f"One of: {', '.join(sorted(config.MAIL_TARIFF))}."]})
    if pages < 1:
        raise ValidationFailed({"file": ["The PDF has no page."]})
    return int(rule["first_page"]) + (pages - 1) * int(rule["next_page"])
