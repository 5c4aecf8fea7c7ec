"""``flask users …`` and ``flask partners create``: secrets printed once, never stored in clear."""

import re

from app import ledger
from app.agents.staff import find_staff
from app.auth.api_keys import authenticate_api_key
from app.db import transaction
from app.ledger import chart


def test_create_admin_prints_the_totp_uri(app, runtime):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--username", "chef", "--password", "a-long-password"]
    )
    assert result.exit_code == 0, result.output
    assert "otpauth://totp/PostCash:chef?secret=" in result.output
    with transaction(runtime) as session:
        assert find_staff(session, "chef").role == "admin"


def test_create_agent_opens_the_float(app, runtime):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-agent",
            "--username",
            "agent.ouenze",
            "--password",
            "a-long-password",
            "--post-office",
            "Bureau de poste de Ouenzé",
            "--post-office-code",
            "BZV-OZ",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "otpauth://" in result.output
    with transaction(runtime) as session:
        agent = find_staff(session, "agent.ouenze")
        assert ledger.balance(session, chart.float_account(agent.id)).posted == 0


def test_a_refused_command_says_why_and_exits_non_zero(app):
    runner = app.test_cli_runner()
    args = ["users", "create-admin", "--username", "chef", "--password", "a-long-password"]
    runner.invoke(args=args)
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "This username is taken." in again.output
    short = runner.invoke(args=["users", "create-admin", "--username", "x2", "--password", "short"])
    assert short.exit_code == 1 and "password" in short.output


def test_partners_create_prints_a_working_api_key(app, runtime):
    result = app.test_cli_runner().invoke(
        args=["partners", "create", "--name", "Transfert Express", "--country", "FR"]
    )
    assert result.exit_code == 0, result.output
    key = re.search(r"^([A-Za-z0-9_-]{40,})$", result.output, re.M).group(1)
    with transaction(runtime) as session:
        assert authenticate_api_key(session, key).role == "partner"


def test_create_supervisor_ties_them_to_a_post_office_without_a_float(app, runtime):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-supervisor",
            "--username",
            "chef.ouenze",
            "--password",
            "a-long-password",
            "--post-office",
            "Bureau de poste de Ouenzé",
            "--post-office-code",
            "BZV-OZ",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "otpauth://" in result.output
    with transaction(runtime) as session:
        supervisor = find_staff(session, "chef.ouenze")
        assert (supervisor.role, supervisor.post_office_code) == ("supervisor", "BZV-OZ")
