"""GET /dev/outbox: a developer reads the codes the console gateway "sent", nobody else."""

from __future__ import annotations

import pytest

from app.db import transaction
from app.notify import send_sms

TO = "+242061234567"


def send_code(to=TO, code="482913"):
    with transaction() as session:
        send_sms(
            session,
            to=to,
            template="sms.otp.withdrawal",
            language="fr",
            params={"amount": "5 000 FCFA", "minutes": 15},
            secret=code,
            purpose="otp",
        )


class TestInDevelopment:
    @pytest.fixture
    def config_overrides(self):
        return {"APP_ENV": "development", "SMS_BACKEND": "console"}

    def test_the_outbox_shows_the_messages_of_a_number_with_their_codes(self, client):
        send_code(code="482913")
        send_code(to="+242069999901", code="111111")
        response = client.get("/dev/outbox", query_string={"msisdn": "06 123 4567"})
        assert response.status_code == 200
        (item,) = response.json["items"]
        assert item["to"] == TO
        assert "482913" in item["text"]

    def test_the_number_may_be_written_in_any_accepted_form(self, client):
        send_code()
        for written in ("+242061234567", "242061234567", "061234567"):
            response = client.get("/dev/outbox", query_string={"msisdn": written})
            assert len(response.json["items"]) == 1, written

    def test_without_a_number_every_message_is_listed_newest_first(self, client):
        send_code(code="111111")
        send_code(code="222222")
        texts = [item["text"] for item in client.get("/dev/outbox").json["items"]]
        assert len(texts) == 2
        assert "222222" in texts[0]

    def test_the_console_logs_the_message_with_its_code_masked(self, client, caplog):
        caplog.set_level("INFO", logger="app.notify.gateways")
        send_code(code="482913")
        logged = " ".join(r.getMessage() for r in caplog.records if r.name == "app.notify.gateways")
        assert "******" in logged
        assert "482913" not in logged


@pytest.mark.parametrize("env", ["testing", "staging"])
def test_the_outbox_does_not_exist_outside_development(client, env, runtime):
    runtime.config.APP_ENV = env
    response = client.get("/dev/outbox", query_string={"msisdn": TO})
    assert response.status_code == 404
    assert response.json["code"] == "not_found"
