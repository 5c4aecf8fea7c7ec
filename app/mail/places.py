"""Print centres and the post offices they serve, from configuration
(``MAIL_PRINT_CENTRES``): a paper letter goes to the centre serving its
destination post office, which is named in the address or found from the city
(the centre's first post office, its central one)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from app.config import Config
from app.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class PostOffice:
    code: str
    name: str
    centre: str


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("-", " ")


def post_offices(config: Config) -> dict[str, PostOffice]:
    """Every post office served by a print centre, by code."""
    found: dict[str, PostOffice] = {}
    for centre, spec in config.MAIL_PRINT_CENTRES.items():
        for code, name in spec.get("post_offices", {}).items():
            found[code] = PostOffice(code, name, centre)
    return found


def is_centre(config: Config, code: str) -> bool:
    return code in config.MAIL_PRINT_CENTRES


def centre_name(config: Config, code: str) -> str:
    return str(config.MAIL_PRINT_CENTRES.get(code, {}).get("name", code))


def destination(config: Config, *, post_office_code: str | None, city: str) -> PostOffice:
    """The post office a paper letter goes to; an unknown one is a ``validation_error``."""
    offices = post_offices(config)
    if post_office_code:
        office = offices.get(post_office_code.strip().upper())
        if office is None:
            raise ValidationFailed(
                {"recipient.address.post_office_code": ["Unknown post office."]},
                detail="Unknown post office.",
            )
        return office
    wanted = _folded(city)
    for spec in config.MAIL_PRINT_CENTRES.values():
        if any(_folded(c) == wanted for c in spec.get("cities", [])):
            first = next(iter(spec.get("post_offices", {})), None)
            if first is not None:
                return offices[first]
    raise ValidationFailed(
        {"recipient.address.city": ["No post office serves this city: give post_office_code."]},
        detail="No post office serves this city.",
    )
