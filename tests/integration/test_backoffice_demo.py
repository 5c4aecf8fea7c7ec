"""The demo seed for the back office: its operators and auditor sign in with the
documented credentials, and the whole demo seeds once, the network included."""

import pyotp
from sqlalchemy import func, select

from app.agents.login import login_staff
from app.agents.models import StaffUser
from app.demo import AGENT, HEAD_OFFICE
from app.network.models import Office
from app.network.service import get_office
from app.seed import seed


def test_the_head_office_demo_accounts_sign_in_with_the_documented_credentials(session, clock):
    seed(session, demo=True)
    for member in HEAD_OFFICE:
        code = pyotp.TOTP(member["totp_secret"]).at(clock.now())
        issued = login_staff(
            session, username=member["username"], password=member["password"], totp=code
        )
        assert issued.role == member["role"]
    assert sorted(m["role"] for m in HEAD_OFFICE) == ["auditor", "operator", "operator"]


def test_the_demo_seeds_once_and_the_demo_agents_office_is_in_the_network(session):
    seed(session, demo=True)
    offices = session.scalar(select(func.count()).select_from(Office))
    staff = session.scalar(select(func.count()).select_from(StaffUser))
    seed(session, demo=True)
    assert session.scalar(select(func.count()).select_from(Office)) == offices
    assert session.scalar(select(func.count()).select_from(StaffUser)) == staff
    assert get_office(session, AGENT["post_office_code"]).name == AGENT["post_office"]
