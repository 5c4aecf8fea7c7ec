"""Head office manages staff: a new password (shown once) ends every session; a move to
another office is audited; the enrolment QR code is drawn on the server."""

import pytest

from app.agents.login import login_staff
from app.agents.staff import move_staff, reset_password
from app.audit import list_events
from app.auth.tokens import authenticate_token
from app.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from app.principal import Principal
from app.web.qr import qr_modules, qr_svg
from tests import factories

OPERATOR = Principal(role="operator", id="op-1")


def test_a_password_reset_gives_a_new_password_and_ends_every_session(session, clock):
    agent = factories.agent(session)
    issued = login_staff(
        session, username=agent.username, password=factories.PASSWORD, totp=factories.totp_code()
    )
    _staff, password = reset_password(session, agent.id, reason="Mot de passe oublié", by=OPERATOR)
    assert len(password) == 16 and password != factories.PASSWORD
    with pytest.raises(Unauthorized):
        authenticate_token(session, issued.access_token)
    clock.advance(seconds=30)
    again = login_staff(
        session, username=agent.username, password=password, totp=factories.totp_code()
    )
    assert again.role == "agent"


def test_a_password_reset_is_audited_without_the_password(session):
    agent = factories.agent(session)
    _staff, password = reset_password(session, agent.id, reason="Oubli", by=OPERATOR)
    event = list_events(session, action="staff.password_reset").items[0]
    assert event.after["reason"] == "Oubli" and password not in str(event.after)


def test_a_password_reset_needs_a_reason(session):
    agent = factories.agent(session)
    with pytest.raises(ValidationFailed):
        reset_password(session, agent.id, reason="", by=OPERATOR)


def test_an_admins_password_is_not_reset_from_the_back_office(session):
    admin = factories.admin(session)
    with pytest.raises(NotFound):
        reset_password(session, admin.id, reason="Oubli", by=OPERATOR)


def test_nobody_resets_their_own_password_here(session):
    chief = factories.supervisor(session)
    with pytest.raises(Conflict):
        reset_password(
            session, chief.id, reason="Oubli", by=Principal(role="supervisor", id=chief.id)
        )


def test_moving_an_agent_changes_their_office_and_is_audited(session):
    agent = factories.agent(session)
    move_staff(
        session,
        agent.id,
        post_office="Bureau de poste de Bacongo",
        post_office_code="BZV-BC",
        reason="Renfort",
        by=OPERATOR,
    )
    assert agent.post_office_code == "BZV-BC"
    event = list_events(session, action="staff.move").items[0]
    assert event.before == {
        "post_office": "Bureau de poste de Poto-Poto",
        "post_office_code": "BZV-PP",
    }
    assert event.after["reason"] == "Renfort"


def test_a_head_office_account_is_not_moved(session):
    operator = factories.head_office(session)
    with pytest.raises(NotFound):
        move_staff(
            session,
            operator.id,
            post_office="Bureau de poste de Bacongo",
            post_office_code="BZV-BC",
            reason="Renfort",
            by=OPERATOR,
        )


def test_the_qr_code_has_its_finder_patterns_and_a_quiet_zone():
    modules = qr_modules("otpauth://totp/PostCash:agent?secret=JBSWY3DPEHPK3PXP&issuer=PostCash")
    size = len(modules)
    assert size >= 21 and (size - 17) % 4 == 0  # a QR version's size
    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        ring = [modules[top][left + i] for i in range(7)]
        assert ring == [True] * 7
        assert modules[top + 2][left + 2] and not modules[top + 1][left + 1]
    svg = str(qr_svg("otpauth://x", title="QR <code>"))
    assert (
        svg.startswith("<svg")
        and "QR &lt;code&gt;" in svg
        and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    )
