"""USSD "Mon courrier" (7 Mon compte → 5): how many letters wait and from whom; a
registered letter acknowledged with the PIN, chained as the proof of receipt."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.db import transaction
from app.mail import evidence, letters
from app.mail.pdf import check_pdf
from app.mail.storage import FileStorage
from tests import factories
from tests.e2e.ussd_support import Phone
from tests.mail_support import make_pdf


@pytest.fixture
def phone(client, awa):  # type: ignore[no-untyped-def]
    return Phone(client, awa.msisdn)


def deliver(runtime, tmp_path: Path, awa, sender_name: str, service: str) -> str:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        client, _key = factories.sender(session, balance=10_000, name=sender_name)
        wanted = letters.clean_meta(
            {
                "recipient": {"name": "Awa", "msisdn": awa.msisdn},
                "service": service,
                "subject": "Avis d'imposition",
            },
            ["CG"],
        )
        pdf = check_pdf(make_pdf(1), max_bytes=10 * 1024 * 1024, max_pages=50)
        letter = letters.send_as_sender(session, FileStorage(tmp_path), client.id, wanted, pdf)
        return str(letter.id)


def test_mon_courrier_says_how_many_and_from_whom(phone, runtime, tmp_path, awa) -> None:
    deliver(runtime, tmp_path, awa, "Impots Brazzaville", "registered")
    deliver(runtime, tmp_path, awa, "Lycee Savorgnan", "ordinary")
    summary = phone.run("7", "5")
    assert "2 lettre(s) non lue(s), dont 1 recommandée(s)" in summary
    listed = phone.send("1")
    assert "Impots Brazzaville (R)" in listed and "Lycee Savorgnan" in listed


def test_nothing_waiting_says_so(phone) -> None:
    phone.run("7", "5")
    assert "Aucune lettre non lue." in phone.send("1")


def test_a_registered_letter_is_acknowledged_with_the_pin(phone, runtime, tmp_path, awa) -> None:
    letter_id = deliver(runtime, tmp_path, awa, "Impots Brazzaville", "registered")
    phone.run("7", "5", "1")
    shown = phone.send("1")
    assert "De : Impots Brazzaville" in shown and "Objet : Avis d'imposition" in shown
    done = phone.send("1", factories.PIN)
    assert done.startswith("END ") and "confirmée" in done
    with transaction(runtime) as session:
        chain = evidence.events(session, letter_id)
        assert chain[-1].status == "acknowledged" and chain[-1].detail == "PIN (ussd)"


def test_a_wrong_pin_acknowledges_nothing(phone, runtime, tmp_path, awa) -> None:
    letter_id = deliver(runtime, tmp_path, awa, "Impots Brazzaville", "registered")
    done = phone.run("7", "5", "1", "1", "1", "0000")
    assert done.startswith("END ") and "PIN" in done
    with transaction(runtime) as session:
        assert [e.status for e in evidence.events(session, letter_id)][-1] != "acknowledged"
