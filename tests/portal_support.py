"""Data the portal's public pages show: a small postal network and a sent letter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from tests import factories
from tests.mail_support import letter_form, make_pdf

API = "/api/v1"
MONDAY_10H_BRAZZAVILLE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def network(session: Session) -> None:
    """Four listed offices in two départements, a print centre and a closed office."""
    from app.network.models import Department

    session.add(Department(code="BZV", name="Brazzaville", capital="Brazzaville"))
    session.add(Department(code="PNR", name="Pointe-Noire", capital="Pointe-Noire"))
    session.flush()
    factories.office(session, code="BZV-PP", name="Bureau de poste de Poto-Poto")
    late = factories.office(
        session, code="BZV-OZ", name="Bureau de poste de Ouenzé", latitude=-4.2391
    )
    late.longitude = 15.2835
    late.opening_hours = {"mon": [["13:00", "17:00"]], "sat": [["08:00", "12:00"]]}
    factories.office(
        session,
        code="PNR-CE",
        name="Bureau central de Pointe-Noire",
        department_code="PNR",
        town="Pointe-Noire",
        services=["cash", "mail"],
        latitude=-4.7761,
        longitude=11.8635,
    )
    factories.office(session, code="BZV-CI", name="Centre d'impression", kind="print_centre")
    gone = factories.office(session, code="BZV-XX", name="Ancien bureau de Mfilou")
    gone.status = "closed"
    shut = factories.office(session, code="PNR-TT", name="Bureau de Tié-Tié")
    shut.department_code, shut.town, shut.status = "PNR", "Pointe-Noire", "suspended"
    session.flush()


def send_letter(client: Any, runtime: Any) -> dict[str, Any]:
    """A one-page letter from an administration to Bruno Ngoma, paid: its API answer."""
    from app.db import transaction

    with transaction(runtime) as session:
        _sender, key = factories.sender(session, balance=50_000, name="Direction des Impôts")
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
    form = letter_form(make_pdf(1), recipient={"name": "Bruno Ngoma", "msisdn": bruno.msisdn})
    answer = client.post(
        f"{API}/mail/letters",
        data=form,
        content_type="multipart/form-data",
        headers={"X-API-Key": key, "Idempotency-Key": factories.key()},
    )
    assert answer.status_code == 201
    return dict(answer.get_json())
