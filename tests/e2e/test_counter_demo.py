"""The demo counter of ``make run`` (README, "Counter (agents)"): the seeded agent signs in."""

import pyotp

from app import demo
from app.db import transaction
from app.seed import seed
from tests import factories
from tests.e2e.counter_support import hidden, text_of


def test_the_seeded_demo_agent_signs_in_to_the_counter(client, runtime, clock):
    with transaction(runtime) as session:
        seed(session, demo=True)
    page = client.get("/counter/login")
    response = client.post(
        "/counter/login",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "username": demo.AGENT["username"],
            "password": demo.AGENT["password"],
            "totp": pyotp.TOTP(demo.AGENT["totp_secret"]).at(clock.now()),
        },
    )
    assert response.status_code == 303
    assert "Fonds de caisse disponible : 1 000 000 FCFA" in text_of(client.get("/counter/"))


def test_flask_users_totp_prints_the_current_code(app, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session)
    result = app.test_cli_runner().invoke(args=["users", "totp", agent.username])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == factories.totp_code()


def test_flask_users_totp_of_nobody_fails(app):
    result = app.test_cli_runner().invoke(args=["users", "totp", "nobody"])
    assert result.exit_code != 0
