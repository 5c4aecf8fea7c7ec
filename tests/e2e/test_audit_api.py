"""GET /admin/audit: admins read the audit trail, filtered and paged; nobody else does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import audit
from app.db import transaction
from tests import factories

URL = "/api/v1/admin/audit"


@pytest.fixture
def admin_headers(client, runtime):  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        admin = factories.admin(session)
    return factories.headers_for(client.application, admin)


def record(runtime, **fields) -> int:  # type: ignore[no-untyped-def]
    values = {"actor_role": "admin", "actor_id": "a-1", "action": "float.topup"}
    values.update(fields)
    with transaction(runtime) as session:
        return audit.record(session, **values).id


def test_an_admin_reads_an_event_with_who_what_when_where_and_before_after(
    client, runtime, admin_headers, clock
):
    event_id = record(
        runtime,
        action="customer.unlock",
        actor_role="agent",
        actor_id="ag-7",
        target_type="customer",
        target_id="c-1",
        before={"status": "locked"},
        after={"status": "active"},
        ip="41.202.1.10",
    )
    response = client.get(URL, query_string={"action": "customer.unlock"}, headers=admin_headers)
    assert response.status_code == 200
    (item,) = response.json["items"]
    assert item["id"] == event_id
    assert (item["actor_role"], item["actor_id"], item["action"]) == (
        "agent",
        "ag-7",
        "customer.unlock",
    )
    assert (item["target_type"], item["target_id"], item["ip"]) == (
        "customer",
        "c-1",
        "41.202.1.10",
    )
    assert (item["before"], item["after"]) == ({"status": "locked"}, {"status": "active"})
    assert item["occurred_at"] == clock.now().isoformat()
    assert len(item["hash"]) == 64 and len(item["prev_hash"]) == 64
    assert response.json["next_cursor"] is None


def test_filters_combine(client, runtime, admin_headers):
    record(runtime, actor_id="a-1", target_type="agent", target_id="ag-1")
    wanted = record(runtime, actor_id="a-2", target_type="agent", target_id="ag-1")
    record(runtime, actor_id="a-2", target_type="agent", target_id="ag-2")
    response = client.get(
        URL,
        query_string={"actor_id": "a-2", "target_type": "agent", "target_id": "ag-1"},
        headers=admin_headers,
    )
    assert [item["id"] for item in response.json["items"]] == [wanted]


def test_since_is_inclusive_and_until_exclusive(client, runtime, admin_headers, clock):
    start = clock.now()
    record(runtime, action="kyc.upgrade")
    clock.advance(hours=1)
    second = record(runtime, action="kyc.upgrade")
    clock.advance(hours=1)
    record(runtime, action="kyc.upgrade")
    response = client.get(
        URL,
        query_string={
            "action": "kyc.upgrade",
            "since": (start + timedelta(hours=1)).isoformat(),
            "until": (start + timedelta(hours=2)).isoformat(),
        },
        headers=admin_headers,
    )
    assert [item["id"] for item in response.json["items"]] == [second]


def test_pages_follow_next_cursor_newest_first_until_none(client, runtime, admin_headers):
    ids = [record(runtime, action="biller.settlement") for _ in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        query = {"action": "biller.settlement", "limit": 2}
        if cursor:
            query["cursor"] = cursor
        page = client.get(URL, query_string=query, headers=admin_headers).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


@pytest.mark.parametrize(
    "query",
    [{"cursor": "not-a-cursor"}, {"since": "yesterday"}, {"limit": "0"}, {"limit": "101"}],
)
def test_malformed_queries_are_validation_errors(client, admin_headers, query):
    response = client.get(URL, query_string=query, headers=admin_headers)
    assert response.status_code == 400
    assert response.json["code"] == "validation_error"


def test_agents_may_not_read_the_trail(client, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session)
    response = client.get(URL, headers=factories.headers_for(client.application, agent))
    assert response.status_code == 403
    assert response.json["code"] == "forbidden"


def test_anonymous_callers_are_refused(client):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_there_is_no_way_to_change_the_trail_over_http(client, admin_headers):
    for method in (client.post, client.put, client.patch, client.delete):
        assert method(URL, json={}, headers=admin_headers).status_code == 405
