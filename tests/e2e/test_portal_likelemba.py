"""Likelemba groups on the portal: create and invite, accept, whose turn, members only."""

import pytest

from app.db import transaction
from app.likelemba.models import LikelembaGroup
from tests import factories
from tests.e2e.counter_support import hidden
from tests.e2e.portal_support import post, sign_in, text_of


@pytest.fixture
def friends(runtime):
    with transaction(runtime) as session:
        return [
            factories.customer(session, first_name=name, balance=50_000)
            for name in ("Bob", "Chantal")
        ]


@pytest.fixture
def signed_in(client, app, awa):
    sign_in(client, app, awa)
    return client


def _create(client, friends, key=None):
    page = client.get("/compte/likelemba")
    return post(
        client,
        "/compte/likelemba",
        key=key or hidden(page, "key"),
        name="Famille",
        contribution=10_000,
        period="monthly",
        members="\n".join(f.msisdn for f in friends),
    )


def test_a_group_is_created_once_and_its_members_invited(signed_in, runtime, awa, friends):
    key = hidden(signed_in.get("/compte/likelemba"), "key")
    first = _create(signed_in, friends, key)
    second = _create(signed_in, friends, key)
    assert first.status_code == second.status_code == 303
    with transaction(runtime) as session:
        assert session.query(LikelembaGroup).count() == 1
    page = signed_in.get(first.headers["Location"])
    assert "Famille" in text_of(page) and "invité" in text_of(page)


def test_everyone_accepting_starts_the_group_and_shows_whose_turn(
    signed_in, app, runtime, awa, friends, clock
):
    created = _create(signed_in, friends)
    path = created.headers["Location"]
    for friend in friends:
        browser = app.test_client()
        sign_in(browser, app, friend)
        page = browser.get(path)
        answer = post(browser, path + "/accepter", key=hidden(page, "key"))
        assert answer.status_code == 303, text_of(answer)
    page = signed_in.get(path)
    assert "en cours" in text_of(page)
    assert "Prochain bénéficiaire" in text_of(page)


def test_a_group_is_visible_to_its_members_only(signed_in, app, runtime, friends):
    created = _create(signed_in, friends)
    with transaction(runtime) as session:
        stranger = factories.customer(session, first_name="Dieu")
    browser = app.test_client()
    sign_in(browser, app, stranger)
    assert browser.get(created.headers["Location"]).status_code == 404


def test_a_group_with_too_few_members_is_refused_with_a_message(signed_in, friends):
    answer = _create(signed_in, friends[:1])
    assert answer.status_code in (400, 422)
    assert answer.status_code < 500
