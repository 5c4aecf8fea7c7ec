"""The postal network's records: found by département, town, kind, status and name;
changed through the domain service with validation and an audit trail."""

import pytest

from app.audit import list_events
from app.config import DEFAULT_MAIL_PRINT_CENTRES
from app.errors import Conflict, NotFound, ValidationFailed
from app.network import service
from app.network.demo import DEPARTMENTS, OFFICES, seed_demo_network
from app.network.models import Department, Office
from app.principal import Principal
from tests import factories

OPERATOR = Principal(role="operator", id="op-1")


def office_form(**overrides):
    form = {
        "code": "BZV-NEW",
        "name": "Bureau de poste de Mfilou",
        "kind": "post_office",
        "department_code": "BZV",
        "town": "Brazzaville",
        "address": "Avenue de l'OUA, Mfilou",
        "latitude": "-4.2500",
        "longitude": "15.2200",
        "opening_hours": "mon 07:30-15:30, sat 08:00-12:00",
        "services": ["cash", "mail"],
        "print_centre_code": "",
    }
    form.update(overrides)
    return form


@pytest.fixture
def network(session):
    seed_demo_network(session)
    return session


def test_the_demo_network_has_the_twelve_departements_and_is_seeded_once(network):
    seed_demo_network(network)
    assert network.query(Department).count() == len(DEPARTMENTS) == 12
    assert network.query(Office).count() == len(OFFICES)
    assert network.get(Department, "NIA").capital == "Dolisie"


def test_the_demo_print_centres_serve_the_offices_mail_is_configured_with(network):
    for centre, spec in DEFAULT_MAIL_PRINT_CENTRES.items():
        assert network.get(Office, centre).kind == "print_centre"
        served = {o.code for o in service.served_by(network, centre)}
        assert set(spec["post_offices"]) <= served


def test_the_demo_agents_office_exists(network):
    office = service.get_office(network, "BZV-PP")
    assert office.name == "Bureau de poste de Poto-Poto"
    assert office.latitude is not None and "cash" in office.services


def test_offices_are_filtered_by_departement_kind_and_town(network):
    pointe_noire = service.list_offices(network, department="PNR", kind="post_office")
    assert {o.code for o in pointe_noire} == {"PNR-CE", "PNR-TP", "PNR-LJ", "PNR-MV"}
    assert [o.code for o in service.list_offices(network, town="dolisie")] == ["DOL-CE"]
    assert {o.code for o in service.list_offices(network, kind="print_centre")} == {
        "BZV-CI",
        "PNR-CI",
    }


def test_a_name_search_ignores_case_and_accents(network):
    assert [o.code for o in service.list_offices(network, search="makelekele")] == ["BZV-MK"]
    assert [o.code for o in service.list_offices(network, search="TIÉ")] == ["PNR-TP"]


def test_a_supervisors_scope_keeps_their_office_only(network):
    assert [o.code for o in service.list_offices(network, scope="BZV-PP")] == ["BZV-PP"]
    with pytest.raises(NotFound):
        service.get_office(network, "PNR-CE", scope="BZV-PP")


def test_an_office_is_created_and_audited(network):
    made = service.create_office(network, office_form(), by=OPERATOR)
    assert made.opening_hours == {"mon": [["07:30", "15:30"]], "sat": [["08:00", "12:00"]]}
    assert (made.latitude, made.status, made.services) == (-4.25, "open", ["cash", "mail"])
    event = list_events(network, action="office.create").items[0]
    assert (event.actor_id, event.target_id) == ("op-1", "BZV-NEW")


def test_a_taken_code_is_a_conflict(network):
    with pytest.raises(Conflict):
        service.create_office(network, office_form(code="BZV-PP"), by=OPERATOR)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "bad code"),
        ("name", "x"),
        ("department_code", "XXX"),
        ("latitude", "91"),
        ("longitude", "east"),
        ("opening_hours", "monday 8-12"),
        ("opening_hours", "mon 15:00-08:00"),
        ("services", ["cash", "casino"]),
        ("print_centre_code", "BZV-PP"),
        ("kind", "bank"),
    ],
)
def test_a_field_that_does_not_fit_is_named_in_the_refusal(network, field, value):
    with pytest.raises(ValidationFailed) as refused:
        service.create_office(network, office_form(**{field: value}), by=OPERATOR)
    assert field in refused.value.extra["errors"]


def test_an_update_records_only_what_changed(network):
    row = service.get_office(network, "BZV-BC")
    form = office_form(
        code="BZV-BC",
        name=row.name,
        address="Rue Bouenza, Bacongo",
        latitude=str(row.latitude),
        longitude=str(row.longitude),
        opening_hours=service.hours_text(row.opening_hours),
        services=row.services,
        print_centre_code="BZV-CI",
    )
    service.update_office(network, "BZV-BC", form, by=OPERATOR)
    event = list_events(network, action="office.update").items[0]
    assert event.after == {"address": "Rue Bouenza, Bacongo"}


def test_a_status_change_needs_a_reason_and_is_audited(network):
    with pytest.raises(ValidationFailed):
        service.change_status(network, "BZV-TL", "closed", reason="", by=OPERATOR)
    service.change_status(network, "BZV-TL", "suspended", reason="Travaux", by=OPERATOR)
    assert service.get_office(network, "BZV-TL").status == "suspended"
    event = list_events(network, action="office.status").items[0]
    assert (event.before, event.after) == (
        {"status": "open"},
        {"status": "suspended", "reason": "Travaux"},
    )


def test_an_unknown_status_is_refused(network):
    with pytest.raises(ValidationFailed):
        service.change_status(network, "BZV-TL", "demolished", reason="Travaux", by=OPERATOR)


def test_the_float_threshold_is_a_whole_amount(network):
    with pytest.raises(ValidationFailed):
        service.set_float_threshold(network, "BZV-PP", "-1", by=OPERATOR)
    service.set_float_threshold(network, "BZV-PP", "750 000", by=OPERATOR)
    assert service.get_office(network, "BZV-PP").float_threshold == 750_000


def test_an_offices_float_level_is_its_agents_floats_summed(session):
    factories.office(session, code="BZV-PP", float_threshold=500_000)
    factories.office(session, code="BZV-BC", float_threshold=100_000)
    factories.agent(session, float_balance=200_000)
    factories.agent(session, float_balance=150_000)
    factories.agent(session, float_balance=90_000, post_office_code="BZV-BC")
    factories.supervisor(session)
    levels = {level.code: level for level in service.float_levels(session)}
    assert (levels["BZV-PP"].total, levels["BZV-PP"].agents) == (350_000, 2)
    assert levels["BZV-PP"].alert and levels["BZV-BC"].alert
    factories.agent(session, float_balance=20_000, post_office_code="BZV-BC")
    assert not {lv.code: lv for lv in service.float_levels(session)}["BZV-BC"].alert


def test_an_office_without_threshold_never_alerts(session):
    factories.office(session, code="BZV-PP", float_threshold=0)
    assert not service.float_levels(session)[0].alert
