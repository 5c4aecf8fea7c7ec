"""POST /sms/delivery-reports: Africa's Talking tells us what became of a message."""

from __future__ import annotations

from app.db import transaction
from app.notify import SmsMessage, send_sms

TO = "+242061234567"


def send():
    with transaction() as session:
        return send_sms(session, to=TO, template="error.error", language="fr", params={}).id


def status_of(runtime, message_id):
    with runtime.unit_of_work() as uow:
        message = uow.session.get(SmsMessage, message_id)
        return message.status, message.failure_reason


def test_a_success_report_marks_the_message_delivered(client, runtime):
    message_id = send()
    response = client.post(
        "/sms/delivery-reports",
        data={"id": "rec-1", "status": "Success", "phoneNumber": TO, "networkCode": "62901"},
    )
    assert response.status_code == 200
    assert status_of(runtime, message_id) == ("delivered", None)


def test_a_failure_report_keeps_the_reason(client, runtime):
    message_id = send()
    client.post(
        "/sms/delivery-reports",
        data={
            "id": "rec-1",
            "status": "Failed",
            "phoneNumber": TO,
            "failureReason": "AbsentSubscriber",
        },
    )
    assert status_of(runtime, message_id) == ("failed", "AbsentSubscriber")


def test_a_report_for_an_unknown_message_is_acknowledged(client):
    response = client.post(
        "/sms/delivery-reports", data={"id": "ATXid_nobody", "status": "Success"}
    )
    assert response.status_code == 200


def test_an_empty_report_is_acknowledged(client):
    assert client.post("/sms/delivery-reports", data={}).status_code == 200


def test_a_report_with_control_characters_is_recorded_without_them(client, runtime):
    message_id = send()
    response = client.post(
        "/sms/delivery-reports",
        data={"id": "rec\x00-1", "status": "Fail\x00ed", "failureReason": "Absent\x00Sub"},
    )
    assert response.status_code == 200
    assert status_of(runtime, message_id) == ("failed", "AbsentSub")
