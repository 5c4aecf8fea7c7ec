"""Registration's name screens take what the register takes, and refuse at once what it
would refuse after both PINs (``parsers.customer_name`` uses the domain's own rule)."""

from __future__ import annotations

import pytest

from app.config import Config
from app.customers.models import NAME_MAX_LENGTH
from app.ussd import parsers
from app.ussd.machine import Invalid

CONFIG = Config()


@pytest.mark.parametrize(
    ("token", "name"),
    [
        ("Jean", "Jean"),
        ("  Marie-Thérèse   Akouo ", "Marie-Thérèse Akouo"),
        ("N'Goma", "N'Goma"),
        ("M" * NAME_MAX_LENGTH, "M" * NAME_MAX_LENGTH),
    ],
)
def test_a_name_the_register_takes_is_taken(token, name):
    assert parsers.customer_name(token, CONFIG) == name


@pytest.mark.parametrize("token", ["Jean2", "M" * (NAME_MAX_LENGTH + 1), "Jean_Paul", "", "-"])
def test_a_name_the_register_refuses_is_asked_again_with_a_note(token):
    with pytest.raises(Invalid) as refused:
        parsers.customer_name(token, CONFIG)
    assert refused.value.note == "ussd.note.customer_name"
