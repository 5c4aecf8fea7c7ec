"""Likelemba (rotating savings groups) on the portal: the customer's groups with
whose turn it is, each group's members and cycles, creating a group (the others
invited by SMS), accepting or declining an invitation, leaving. The services of
``/likelemba`` (``app.likelemba.service``); each form once per idempotency key."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from wtforms import Form, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from app.customers.service import get_customer
from app.db import transaction
from app.errors import DomainError
from app.likelemba import service
from app.likelemba.models import MAX_CONTRIBUTION, NAME_MAX_LENGTH, PERIODS
from app.web import once
from app.web.portal.account import customer
from app.web.portal.common import Page, blueprint, explain, text

REQUIRED = InputRequired(message="portal.form.required")
LIST_SIZE = 50


class GroupForm(Form):
    name = StringField(validators=[REQUIRED, Length(max=NAME_MAX_LENGTH)])
    contribution = IntegerField(validators=[REQUIRED, NumberRange(min=1, max=MAX_CONTRIBUTION)])
    period = SelectField(choices=[SelectChoice(p, p) for p in PERIODS], validators=[REQUIRED])
    members = TextAreaField(validators=[REQUIRED, Length(max=1200)])


def _numbers(raw: str) -> list[str]:
    """The members' numbers as typed: one per line, or separated by commas."""
    return [part.strip() for part in re.split(r"[\n,;]+", raw) if part.strip()]


def _owner() -> str:
    return f"portal:{customer().id}"


def _once(key: str, target: str, act: Callable[[Any], object]) -> str | None:
    """Run ``act(session)`` once for this form's key; the page to go to, or None when
    the key is not one of ours (an expired page)."""
    if not once.well_formed(key):
        return None
    with suppress(IntegrityError):  # as before run_once: a unique-key refusal leads there too
        once.run_once(_owner(), key, lambda db: (target, act(db)))
    return target


@blueprint.route("/compte/likelemba")
def likelemba() -> Page:
    with transaction() as db:
        groups, _next = service.list_groups(
            db, role="customer", viewer_id=customer().id, limit=LIST_SIZE, after=None
        )
        views = [service.group_view(db, group) for group in groups]
    return render_template(
        "portal/likelemba.html", groups=views, form=GroupForm(), key=once.new_key()
    )


@blueprint.route("/compte/likelemba", methods=["POST"])
def likelemba_create() -> Page:
    form = GroupForm(request.form)
    if not form.validate():
        return _list_with_error(text("portal.pay.check"), 422, form)
    me = customer()
    members = [me.msisdn, *[n for n in _numbers(form.members.data or "") if n != me.msisdn]]
    created: dict[str, str] = {}

    def create(db: Any) -> None:
        group = service.create_group(
            db,
            get_customer(db, me.id),
            name=form.name.data or "",
            contribution=int(form.contribution.data or 0),
            period=form.period.data or "",
            members=members,
        )
        created["id"] = group.id

    try:
        target = _once(request.form.get("key", ""), url_for("portal.likelemba"), create)
    except DomainError as exc:
        return _list_with_error(explain(exc), exc.status, form)
    if target is None:
        return _list_with_error(text("portal.pay.expired"), 400, form)
    if "id" in created:
        return redirect(url_for("portal.likelemba_group", group_id=created["id"]), code=303)
    return redirect(target, code=303)


def _list_with_error(error: str, status: int, form: GroupForm) -> Page:
    with transaction() as db:
        groups, _next = service.list_groups(
            db, role="customer", viewer_id=customer().id, limit=LIST_SIZE, after=None
        )
        views = [service.group_view(db, group) for group in groups]
    page = render_template(
        "portal/likelemba.html", groups=views, form=form, key=once.new_key(), error=error
    )
    return page, status


@blueprint.route("/compte/likelemba/<group_id>")
def likelemba_group(group_id: str) -> Page:
    return _group_page(group_id)


def _group_page(group_id: str, error: str | None = None, status: int = 200) -> Page:
    with transaction() as db:
        group = service.get_group(db, group_id, role="customer", viewer_id=customer().id)
        view = service.group_view(db, group)
    page = render_template(
        "portal/likelemba_group.html", group=view, me=customer(), key=once.new_key(), error=error
    )
    return page, status


ACTIONS = {"accepter": service.accept, "refuser": service.decline, "quitter": service.leave}


@blueprint.route("/compte/likelemba/<group_id>/<action>", methods=["POST"])
def likelemba_act(group_id: str, action: str) -> Page:
    act = ACTIONS.get(action)
    if act is None:
        return _group_page(group_id, text("portal.error.not_found"), 404)
    target = url_for("portal.likelemba_group", group_id=group_id)
    try:
        done = _once(
            request.form.get("key", ""),
            target,
            lambda db: act(db, get_customer(db, customer().id), group_id),
        )
    except DomainError as exc:
        return _group_page(group_id, explain(exc), exc.status)
    if done is None:
        return _group_page(group_id, text("portal.pay.expired"), 400)
    return redirect(done, code=303)
