"""The audit trail: append-only in the database, hash-chained, secrets never stored."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from app import audit
from app.audit.models import GENESIS_HASH
from app.ops.observability import reset_request_id, set_request_id
from migrations.audit_guards import drop_guards


def record(runtime, **fields) -> int:  # type: ignore[no-untyped-def]
    values = {"actor_role": "admin", "actor_id": "7", "action": "float.topup"}
    values.update(fields)
    with runtime.unit_of_work() as uow:
        event = audit.record(uow.session, **values)
        uow.commit()
    return event.id


def broken_links(runtime) -> list[dict]:  # type: ignore[no-untyped-def]
    with runtime.unit_of_work() as uow:
        return audit.verify_chain(uow.session)


@contextmanager
def around_the_guards(runtime) -> Iterator[Connection]:  # type: ignore[no-untyped-def]
    """Write as an intruder with database rights would: past the append-only triggers."""
    with runtime.database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:  # this test's own copy of the database
            drop_guards(conn)
        yield conn


def test_an_event_keeps_who_what_when_where_and_the_request(runtime, clock):
    token = set_request_id("req-audit-1")
    try:
        event_id = record(
            runtime,
            actor_role="agent",
            actor_id="42",
            action="customer.unlock",
            target_type="customer",
            target_id="c-9",
            before={"status": "locked"},
            after={"status": "active"},
            ip="41.202.1.10",
        )
    finally:
        reset_request_id(token)
    with runtime.unit_of_work() as uow:
        event = uow.session.get(audit.AuditEvent, event_id)
        assert (event.actor_role, event.actor_id, event.action) == (
            "agent",
            "42",
            "customer.unlock",
        )
        assert (event.target_type, event.target_id) == ("customer", "c-9")
        assert (event.before, event.after) == ({"status": "locked"}, {"status": "active"})
        assert (event.ip, event.request_id, event.occurred_at) == (
            "41.202.1.10",
            "req-audit-1",
            clock.now(),
        )


def test_each_event_points_at_the_hash_of_the_one_before(runtime):
    first, second = record(runtime), record(runtime, action="kyc.upgrade")
    with runtime.unit_of_work() as uow:
        a, b = uow.session.get(audit.AuditEvent, first), uow.session.get(audit.AuditEvent, second)
        assert (a.id, b.id) == (1, 2)
        assert a.prev_hash == GENESIS_HASH
        assert b.prev_hash == a.hash != b.hash


def test_secrets_are_dropped_at_any_depth_and_public_codes_kept(runtime):
    event_id = record(
        runtime,
        action="config.change",
        before={"pin": "1234", "new_pin": "9999", "password": "x", "api_key": "k", "totp": "1"},
        after={
            "agent": {"otp": "123456", "token": "t", "secret_encrypted": "s", "name": "Bacongo"},
            "codes": ["1"],
            "lines": [{"code": "0123456789", "amount": 5000}],
            "post_office_code": "BZV-01",
        },
    )
    with runtime.unit_of_work() as uow:
        event = uow.session.get(audit.AuditEvent, event_id)
        assert event.before == {}
        assert event.after == {
            "agent": {"name": "Bacongo"},
            "lines": [{"amount": 5000}],
            "post_office_code": "BZV-01",
        }


def test_values_that_are_not_json_are_stored_as_text_and_still_verify(runtime, clock):
    record(runtime, after={"at": clock.now(), "amount": 5000})
    assert broken_links(runtime) == []


@pytest.mark.parametrize("action", ["Float Topup", "topup", "float.", "float.topup;drop"])
def test_an_action_must_read_object_dot_verb(session, action):
    with pytest.raises(ValueError):
        audit.record(session, actor_role="admin", actor_id="1", action=action)


def test_an_event_rolled_back_with_its_action_leaves_the_chain_intact(runtime):
    record(runtime)
    with runtime.unit_of_work() as uow:
        audit.record(uow.session, actor_role="admin", actor_id="1", action="float.topup")
        uow.rollback()
    assert record(runtime) == 2
    assert broken_links(runtime) == []


def test_the_database_refuses_to_update_an_event(runtime):
    record(runtime)
    with pytest.raises(DBAPIError), runtime.database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor_id = 'someone else'"))


def test_the_database_refuses_to_delete_an_event(runtime):
    record(runtime)
    with pytest.raises(DBAPIError), runtime.database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))


def test_the_database_refuses_to_move_the_chain_head_back(runtime):
    record(runtime)
    record(runtime)
    with pytest.raises(DBAPIError), runtime.database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_chain_head SET last_id = 1"))


def test_an_intact_chain_has_no_broken_links(runtime):
    for _ in range(5):
        record(runtime)
    assert broken_links(runtime) == []


@pytest.mark.audit_tampered
def test_an_edited_event_no_longer_matches_its_hash(runtime):
    for _ in range(3):
        record(runtime)
    with around_the_guards(runtime) as conn:
        conn.execute(text("UPDATE audit_events SET actor_id = '99' WHERE id = 2"))
    assert [(link["id"], link["problem"]) for link in broken_links(runtime)] == [
        (2, "hash_mismatch")
    ]


@pytest.mark.audit_tampered
def test_a_deleted_event_breaks_the_link_of_the_next(runtime):
    for _ in range(3):
        record(runtime)
    with around_the_guards(runtime) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = 2"))
    links = broken_links(runtime)
    assert [(link["id"], link["problem"], link["after_id"]) for link in links] == [
        (3, "prev_hash_mismatch", 1)
    ]


@pytest.mark.audit_tampered
def test_a_deleted_last_event_is_caught_by_the_chain_head(runtime):
    for _ in range(3):
        record(runtime)
    with around_the_guards(runtime) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = 3"))
    assert [(link["id"], link["problem"]) for link in broken_links(runtime)] == [
        (3, "head_mismatch")
    ]


@pytest.mark.audit_tampered
def test_an_edited_and_rehashed_event_breaks_the_link_of_the_next(runtime):
    for _ in range(3):
        record(runtime)
    with around_the_guards(runtime) as conn:
        conn.execute(text("UPDATE audit_events SET hash = :h WHERE id = 2"), {"h": "f" * 64})
    problems = {(link["id"], link["problem"]) for link in broken_links(runtime)}
    assert problems == {(2, "hash_mismatch"), (3, "prev_hash_mismatch")}


def test_audit_verify_prints_the_head_when_the_chain_is_intact(app, runtime):
    record(runtime)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok 1 event(s), last id 1, head ")


@pytest.mark.audit_tampered
def test_audit_verify_exits_1_naming_the_offending_ids(app, runtime):
    for _ in range(4):
        record(runtime)
    with around_the_guards(runtime) as conn:
        conn.execute(text("UPDATE audit_events SET target_id = 'c-0' WHERE id = 3"))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN 1 link(s)" in result.output
    assert "id=3 hash_mismatch" in result.output


def test_audit_list_prints_the_newest_matching_events(app, runtime):
    record(runtime, action="staff.login", actor_id="5")
    record(runtime, action="float.topup", actor_id="5", target_type="agent", target_id="3")
    record(runtime, action="float.topup", actor_id="6")
    result = app.test_cli_runner().invoke(
        args=["audit", "list", "--action", "float.topup", "--actor-id", "5"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert '"id": 2' in lines[0] and '"target": "agent:3"' in lines[0]


def test_events_are_listed_newest_first_a_page_at_a_time(runtime):
    for _ in range(5):
        record(runtime)
    with runtime.unit_of_work() as uow:
        first = audit.list_events(uow.session, limit=2)
        second = audit.list_events(uow.session, limit=2, before_id=first.next_before_id)
        last = audit.list_events(uow.session, limit=2, before_id=second.next_before_id)
        assert [e.id for e in first.items] == [5, 4]
        assert [e.id for e in second.items] == [3, 2]
        assert ([e.id for e in last.items], last.next_before_id) == ([1], None)


def test_events_are_filtered_by_actor_action_target_and_time(runtime, clock):
    start = clock.now()
    record(runtime, actor_id="1", action="staff.login")
    clock.advance(hours=1)
    record(runtime, actor_id="2", action="kyc.upgrade", target_type="customer", target_id="c1")
    clock.advance(hours=1)
    record(runtime, actor_id="2", action="kyc.upgrade", target_type="customer", target_id="c2")
    with runtime.unit_of_work() as uow:

        def ids(**filters) -> list[int]:  # type: ignore[no-untyped-def]
            return [e.id for e in audit.list_events(uow.session, **filters).items]

        assert ids(actor_id="2") == [3, 2]
        assert ids(action="staff.login") == [1]
        assert ids(target_type="customer", target_id="c1") == [2]
        assert ids(since=start + timedelta(minutes=30)) == [3, 2]
        assert ids(until=start + timedelta(hours=1)) == [1]


@pytest.mark.postgres_only
def test_concurrent_recorders_keep_one_linear_chain(runtime):
    errors: list[BaseException] = []

    def staff_member(n: int) -> None:
        try:
            for _ in range(5):
                record(runtime, actor_id=str(n))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=staff_member, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with runtime.unit_of_work() as uow:
        summary = audit.chain_summary(uow.session)
    assert (summary["events"], summary["last_id"]) == (40, 40)
    assert broken_links(runtime) == []
