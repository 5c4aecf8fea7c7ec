"""Likelemba groups over HTTP (API.md "Postal savings (livret d'épargne) and likelemba groups").

Awa creates "Tontine de Bacongo" with Bruno and Chantal: 10 000 FCFA a week each.
Only members (and admins, reading) ever see the group: anyone else gets 404.
"""

from datetime import timedelta

import pytest

from app.db import transaction
from tests import factories
from tests.likelemba_support import formed, people, pot, run_job, texts_to, view

API = "/api/v1/likelemba"


@pytest.fixture
def trio(runtime):
    return people(runtime, 3)


@pytest.fixture
def stranger(runtime):
    return people(runtime, 1)[0]


def create(client, app, who, members, **overrides):
    body = {"name": "Tontine de Bacongo", "contribution": 10_000, "period": "weekly"}
    body.update(overrides)
    body["members"] = members
    return client.post(API, json=body, headers=factories.headers_for(app, who))


def post(client, app, who, group_id, action):
    return client.post(f"{API}/{group_id}/{action}", headers=factories.headers_for(app, who))


# --- Creating ------------------------------------------------------------------------


def test_a_group_is_created_forming_with_its_members_in_order(client, app, trio):
    response = create(client, app, trio[0], [p.msisdn for p in trio])
    assert response.status_code == 201, response.get_json()
    group = response.get_json()
    assert group["status"] == "forming"
    assert [(m["msisdn"], m["position"], m["accepted"]) for m in group["members"]] == [
        (trio[0].msisdn, 1, True),
        (trio[1].msisdn, 2, False),
        (trio[2].msisdn, 3, False),
    ]
    assert group["cycles"] == [] and group["pot"] == 0


def test_members_are_invited_by_sms_and_the_creator_is_not(client, app, runtime, trio):
    create(client, app, trio[0], [p.msisdn for p in trio])
    assert any("vous invite au likelemba" in t for t in texts_to(runtime, trio[1].msisdn))
    assert any("vous invite au likelemba" in t for t in texts_to(runtime, trio[2].msisdn))
    assert not any("likelemba" in t for t in texts_to(runtime, trio[0].msisdn))


def test_numbers_may_be_typed_in_any_accepted_format(client, app, trio):
    national = ["0" + p.msisdn[5:] for p in trio]  # "06xxxxxxx"
    response = create(client, app, trio[0], national)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("count", [2, 31])
def test_a_group_has_three_to_thirty_members(client, app, trio, count):
    members = [trio[0].msisdn] + [factories.new_msisdn() for _ in range(count - 1)]
    response = create(client, app, trio[0], members)
    assert response.status_code == 400
    assert "members" in response.get_json()["errors"]


def test_the_creator_comes_first(client, app, trio):
    response = create(client, app, trio[0], [trio[1].msisdn, trio[0].msisdn, trio[2].msisdn])
    assert response.status_code == 400
    assert response.get_json()["errors"]["members"] == {
        "0": ["The creator's own number comes first."]
    }


def test_a_number_may_not_be_listed_twice(client, app, trio):
    response = create(client, app, trio[0], [trio[0].msisdn, trio[1].msisdn, trio[1].msisdn])
    assert response.status_code == 400
    assert "2" in response.get_json()["errors"]["members"]


def test_an_unknown_number_is_refused_naming_its_place(client, app, trio):
    unknown = factories.new_msisdn()
    response = create(client, app, trio[0], [trio[0].msisdn, trio[1].msisdn, unknown])
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "recipient_not_found"
    assert "2" in problem["errors"]["members"]
    assert unknown not in response.get_data(as_text=True)  # masked


@pytest.mark.parametrize(
    "field, value",
    [
        ("contribution", 0),
        ("contribution", "10000"),
        ("contribution", 10_000_001),
        ("period", "daily"),
        ("name", ""),
    ],
)
def test_bad_fields_are_validation_errors(client, app, trio, field, value):
    response = create(client, app, trio[0], [p.msisdn for p in trio], **{field: value})
    assert response.status_code == 400
    assert field in response.get_json()["errors"]


def test_only_customers_create_groups(client, app, runtime, trio):
    with transaction(runtime) as session:
        admin = factories.admin(session)
    response = create(client, app, admin, [p.msisdn for p in trio])
    assert response.status_code == 403
    assert client.post(API, json={}).status_code == 401


# --- Answering -----------------------------------------------------------------------


def test_when_everyone_accepts_the_group_is_active_and_cycle_one_is_due_a_week_later(
    clock, client, app, trio
):
    group = create(client, app, trio[0], [p.msisdn for p in trio]).get_json()
    assert post(client, app, trio[1], group["id"], "accept").get_json()["status"] == "forming"
    response = post(client, app, trio[2], group["id"], "accept")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "active"
    [cycle] = body["cycles"]
    assert cycle["number"] == 1 and cycle["beneficiary"] == trio[0].msisdn
    assert cycle["due_at"] == (clock.now() + timedelta(days=7)).isoformat()
    assert cycle["collected"] == 0 and cycle["paid_out_at"] is None
    assert [c["status"] for c in cycle["contributions"]] == ["pending"] * 3
    assert body["next_beneficiary"] == trio[0].msisdn


def test_accepting_twice_changes_nothing(client, app, trio):
    group = create(client, app, trio[0], [p.msisdn for p in trio]).get_json()
    first = post(client, app, trio[1], group["id"], "accept").get_json()
    again = post(client, app, trio[1], group["id"], "accept")
    assert again.status_code == 200 and again.get_json() == first


def test_a_decline_cancels_the_group_and_tells_the_others(client, app, runtime, trio):
    group = create(client, app, trio[0], [p.msisdn for p in trio]).get_json()
    response = post(client, app, trio[2], group["id"], "decline")
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert any("est annulé" in t for t in texts_to(runtime, trio[0].msisdn))
    late = post(client, app, trio[1], group["id"], "accept")
    assert late.status_code == 422 and late.get_json()["code"] == "invalid_state"


def test_an_active_group_cannot_be_declined(client, app, runtime, trio):
    group_id = formed(runtime, trio)
    response = post(client, app, trio[1], group_id, "decline")
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_state"


# --- Reading -------------------------------------------------------------------------


def test_members_list_their_groups_and_admins_list_all(client, app, runtime, trio, stranger):
    group_id = formed(runtime, trio)
    mine = client.get(API, headers=factories.headers_for(app, trio[2])).get_json()
    assert [g["id"] for g in mine["items"]] == [group_id] and mine["next_cursor"] is None
    theirs = client.get(API, headers=factories.headers_for(app, stranger)).get_json()
    assert theirs["items"] == []
    with transaction(runtime) as session:
        admin = factories.admin(session)
    everything = client.get(API, headers=factories.headers_for(app, admin)).get_json()
    assert group_id in [g["id"] for g in everything["items"]]


def test_the_list_pages_with_a_cursor(client, app, runtime, trio):
    ids = [formed(runtime, trio, accept=False) for _ in range(3)]
    headers = factories.headers_for(app, trio[0])
    first = client.get(f"{API}?limit=2", headers=headers).get_json()
    second = client.get(f"{API}?limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    seen = [g["id"] for g in first["items"] + second["items"]]
    assert sorted(seen) == sorted(ids) and second["next_cursor"] is None
    bad = client.get(f"{API}?cursor=nonsense", headers=headers)
    assert bad.status_code == 400


def test_a_group_shows_its_cycles_and_each_members_contributions(clock, client, app, runtime, trio):
    group_id = formed(runtime, trio)
    clock.advance(days=7)
    run_job()
    body = client.get(f"{API}/{group_id}", headers=factories.headers_for(app, trio[1])).get_json()
    first, second = body["cycles"]
    assert first["status"] == "paid" and first["collected"] == 30_000
    assert first["paid_out_at"] == clock.now().isoformat()
    assert {c["msisdn"]: c["status"] for c in first["contributions"]} == {
        p.msisdn: "collected" for p in trio
    }
    assert second["beneficiary"] == trio[1].msisdn and second["collected"] == 0


# --- Only members see a group (every route) ------------------------------------------


@pytest.mark.parametrize("action", ["accept", "decline", "leave"])
def test_a_stranger_cannot_act_on_a_group(client, app, runtime, trio, stranger, action):
    group_id = formed(runtime, trio, accept=action != "leave")
    response = post(client, app, stranger, group_id, action)
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_a_stranger_cannot_read_a_group(client, app, runtime, trio, stranger):
    group_id = formed(runtime, trio)
    response = client.get(f"{API}/{group_id}", headers=factories.headers_for(app, stranger))
    assert response.status_code == 404


def test_an_admin_reads_any_group_but_cannot_answer_for_a_member(client, app, runtime, trio):
    group_id = formed(runtime, trio, accept=False)
    with transaction(runtime) as session:
        admin = factories.admin(session)
    headers = factories.headers_for(app, admin)
    assert client.get(f"{API}/{group_id}", headers=headers).status_code == 200
    assert client.post(f"{API}/{group_id}/accept", headers=headers).status_code == 403


def test_an_unknown_group_is_not_found(client, app, trio):
    for path in ["nope", "nope/accept", "nope/decline", "nope/leave"]:
        method = client.get if "/" not in path else client.post
        response = method(f"{API}/{path}", headers=factories.headers_for(app, trio[0]))
        assert response.status_code == 404, path


def test_routes_need_a_signed_in_caller(client, runtime, trio):
    group_id = formed(runtime, trio)
    assert client.get(f"{API}/{group_id}").status_code == 401
    assert client.post(f"{API}/{group_id}/leave").status_code == 401


# --- Leaving -------------------------------------------------------------------------


def test_leaving_before_the_pot_refunds_and_moves_the_rotation_up(clock, client, app, runtime):
    four = people(runtime, 3) + people(runtime, 1, balance=0)  # Didier (4th) cannot pay
    group_id = formed(runtime, four)
    clock.advance(days=7)
    run_job()  # three of four collected: the pot waits for Didier
    assert pot(runtime, group_id) == 30_000
    response = post(client, app, four[1], group_id, "leave")  # Bruno, due the 2nd turn
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    bruno = next(m for m in body["members"] if m["msisdn"] == four[1].msisdn)
    assert bruno["status"] == "left"
    assert pot(runtime, group_id) == 20_000  # Bruno's 10 000 went back to his wallet
    [cycle] = body["cycles"]
    assert {c["msisdn"]: c["status"] for c in cycle["contributions"]}[four[1].msisdn] == "refunded"
    assert any("vous est rendue" in t for t in texts_to(runtime, four[1].msisdn))
    assert any("a quitté le likelemba" in t for t in texts_to(runtime, four[0].msisdn))


def test_who_received_the_pot_cannot_leave_while_cycles_are_owed(clock, client, app, runtime, trio):
    group_id = formed(runtime, trio)
    clock.advance(days=7)
    run_job()  # Awa receives the pot of cycle 1
    response = post(client, app, trio[0], group_id, "leave")
    assert response.status_code == 422
    assert response.get_json()["code"] == "likelemba_debt_outstanding"


def test_leaving_a_group_still_forming_is_a_decline_not_a_leave(client, app, runtime, trio):
    group_id = formed(runtime, trio, accept=False)
    response = post(client, app, trio[0], group_id, "leave")
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_state"


def test_a_group_cannot_shrink_below_two_members(client, app, runtime, trio):
    group_id = formed(runtime, trio)
    assert post(client, app, trio[2], group_id, "leave").status_code == 200
    response = post(client, app, trio[1], group_id, "leave")
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_state"


def test_leaving_twice_is_refused(client, app, runtime):
    four = people(runtime, 4)
    group_id = formed(runtime, four)
    assert post(client, app, four[3], group_id, "leave").status_code == 200
    again = post(client, app, four[3], group_id, "leave")
    assert again.status_code == 422 and again.get_json()["code"] == "invalid_state"


# --- Statement lines -----------------------------------------------------------------


def test_contributions_and_payouts_are_statement_lines_naming_the_group(
    clock, client, app, runtime, trio
):
    formed(runtime, trio)
    clock.advance(days=7)
    run_job()
    lines = client.get(
        "/api/v1/me/transactions", headers=factories.headers_for(app, trio[0])
    ).get_json()["items"]
    kinds = [(line["type"], line["direction"], line["amount"]) for line in lines[:2]]
    assert sorted(kinds) == [
        ("likelemba_contribution", "debit", 10_000),
        ("likelemba_payout", "credit", 30_000),
    ]
    assert all(line["counterparty"]["name"] == "Tontine de Bacongo" for line in lines[:2])


def test_when_the_next_beneficiary_leaves_the_turn_passes_on_and_the_pot_shrinks(
    clock, client, app, runtime
):
    four = people(runtime, 4)
    group_id = formed(runtime, four)
    body = post(client, app, four[0], group_id, "leave").get_json()  # Awa, first in line
    [cycle] = body["cycles"]
    assert cycle["beneficiary"] == four[1].msisdn and body["next_beneficiary"] == four[1].msisdn
    statuses = {c["msisdn"]: c["status"] for c in cycle["contributions"]}
    assert statuses[four[0].msisdn] == "cancelled"  # nothing was pulled from her yet
    clock.advance(days=7)
    run_job()
    group = view(runtime, group_id)
    assert group["cycles"][0]["collected"] == 30_000  # three contributions, not four
    assert group["cycles"][0]["status"] == "paid"
    assert [c["beneficiary"] for c in group["cycles"]] == [four[1].msisdn, four[2].msisdn]
    assert len(group["cycles"][1]["contributions"]) == 3
