"""Only the aggregator may call /ussd, /sms/inbound and /sms/delivery-reports: its
addresses (GATEWAY_ALLOWED_CIDRS) and the secret token (GATEWAY_TOKEN), both checked
by the application; a refused caller gets a bare 403 and nothing is read or stored."""

import logging

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.sms.inbound.models import InboundSms
from app.ussd.models import UssdSession

TOKEN = "gw-" + "s3cret" * 6
GATEWAY = "192.0.2.17"  # RFC 5737 documentation addresses, not any real aggregator's
STRANGER = "41.202.219.70"
GUARDED = {"GATEWAY_ALLOWED_CIDRS": ["192.0.2.0/24", "2001:db8::/32"], "GATEWAY_TOKEN": TOKEN}

USSD_FORM = {"sessionId": "ATUid_gw_1", "serviceCode": "*555#", "phoneNumber": "+242061234567"}
SMS_FORM = {"from": "+242061234567", "to": "555", "text": "SOLDE", "date": "x", "id": "gw-sms-1"}
REPORT_FORM = {"id": "ATXid_unknown", "status": "Success", "phoneNumber": "+242061234567"}


@pytest.fixture
def config_overrides():
    return dict(GUARDED)


def post(client, path, form, *, ip=GATEWAY, query=None, headers=None):
    return client.post(
        path,
        data={**form, "text": form.get("text", "")},
        query_string=query if query is not None else {"token": TOKEN},
        headers=headers or {},
        environ_base={"REMOTE_ADDR": ip},
    )


def stored(runtime, model):
    with transaction(runtime) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_gateway_with_its_token_gets_a_screen(client):
    response = post(client, "/ussd", USSD_FORM)
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("CON ")


def test_the_token_may_come_in_a_header(client):
    response = post(client, "/ussd", USSD_FORM, query={}, headers={"X-Gateway-Token": TOKEN})
    assert response.status_code == 200


def test_an_ipv6_address_of_the_gateway_is_allowed(client):
    assert post(client, "/ussd", USSD_FORM, ip="2001:db8:2::1").status_code == 200


@pytest.mark.parametrize("path,form", [("/ussd", USSD_FORM), ("/sms/inbound", SMS_FORM)])
@pytest.mark.parametrize(
    "ip,query",
    [
        (STRANGER, {"token": TOKEN}),  # right token, wrong address
        (GATEWAY, {}),  # right address, no token
        (GATEWAY, {"token": TOKEN[:-1] + "x"}),  # right address, wrong token
    ],
)
def test_a_caller_failing_either_check_gets_a_bare_403_and_nothing_is_stored(
    client, runtime, path, form, ip, query
):
    response = post(client, path, form, ip=ip, query=query)
    assert response.status_code == 403
    assert response.get_data() == b""
    assert stored(runtime, UssdSession) == 0
    assert stored(runtime, InboundSms) == 0


def test_delivery_reports_are_guarded_too(client):
    assert post(client, "/sms/delivery-reports", REPORT_FORM, ip=STRANGER).status_code == 403
    assert post(client, "/sms/delivery-reports", REPORT_FORM).status_code == 200


def test_a_forwarded_for_header_is_not_believed_without_trusted_proxies(client):
    response = post(client, "/ussd", USSD_FORM, ip=STRANGER, headers={"X-Forwarded-For": GATEWAY})
    assert response.status_code == 403


@pytest.mark.parametrize("config_overrides", [{**GUARDED, "TRUSTED_PROXIES": 1}])
def test_behind_one_balancer_the_address_it_saw_is_checked(client, config_overrides):
    balancer = "10.0.0.5"
    through = post(client, "/ussd", USSD_FORM, ip=balancer, headers={"X-Forwarded-For": GATEWAY})
    assert through.status_code == 200
    spoofed = post(
        client,
        "/ussd",
        USSD_FORM,
        ip=balancer,
        headers={"X-Forwarded-For": f"{GATEWAY}, {STRANGER}"},  # the balancer appended STRANGER
    )
    assert spoofed.status_code == 403


def test_a_refusal_is_logged_with_the_address_masked_and_never_the_token(client, caplog):
    with caplog.at_level(logging.WARNING, logger="app.gateway_access"):
        post(client, "/ussd", USSD_FORM, ip=STRANGER)
    (record,) = [r for r in caplog.records if r.name == "app.gateway_access"]
    message = record.getMessage()
    assert "41.202.219.x" in message and STRANGER not in message
    assert TOKEN not in message


def test_refusals_are_counted_for_prometheus(client):
    post(client, "/ussd", USSD_FORM, ip=STRANGER)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'postcash_gateway_refusals_total{reason="address"}' in metrics


@pytest.mark.parametrize("config_overrides", [{}])
def test_without_settings_outside_production_the_callbacks_stay_open(client, config_overrides):
    assert post(client, "/ussd", USSD_FORM, ip=STRANGER, query={}).status_code == 200


@pytest.mark.parametrize("config_overrides", [{"APP_ENV": "development", "GATEWAY_TOKEN": TOKEN}])
def test_the_simulator_posts_with_the_token_in_development(client, config_overrides):
    page = client.get("/ussd/simulator").get_data(as_text=True)
    assert f"/ussd?token={TOKEN}" in page
