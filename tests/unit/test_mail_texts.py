"""Hybrid mail's SMS texts fit one SMS in French and Lingala with the longest values."""

from __future__ import annotations

import pytest

from app.i18n import translate
from app.notify.gsm import gsm_cut, sms_length, to_gsm7

WORST = {
    "code": "012345",
    "amount": "20 000 000 FCFA",
    "tracking": "RR123456785CG",
    "minutes": "15",
    "sender": gsm_cut("Direction Générale des Impôts et des Domaines du Congo", 30),
    "office": gsm_cut("Bureau de poste central de Pointe-Noire, guichet 2", 40),
}
KEYS = [
    "sms.otp.mail",
    "sms.mail.arrived",
    "sms.mail.arrived_registered",
    "sms.mail.at_post_office",
]


@pytest.mark.parametrize("language", ["fr", "ln"])
@pytest.mark.parametrize("key", KEYS)
def test_each_text_fits_one_sms(language: str, key: str) -> None:
    text = to_gsm7(translate(key, language, **WORST))
    assert sms_length(text) <= 160, (key, language, sms_length(text))
