"""USSD screens of likelemba groups: my groups (whose turn, who is late), invitations.

Its own table of nodes, merged into ``menu.NODES`` and reached from the "Épargne"
menu (main menu ``9``, then ``5 Likelemba``):

    likelemba ─1→ likelemba.groups (pick a group) → likelemba.detail (pages)
              ─2→ likelemba.invites (pick an invitation) → likelemba.invite
                  ─1→ likelemba.pin → likelemba.accepted   ─2→ likelemba.declined

Accepting asks for the PIN: it agrees to contributions pulled from the wallet
every period. Handlers call ``app.likelemba.service`` only, as REST does.
"""

from __future__ import annotations

from typing import Any

from app.customers import service as customers
from app.likelemba import service as likelemba
from app.ussd import formats, parsers
from app.ussd.machine import (
    Ask,
    Choice,
    Confirm,
    Context,
    Final,
    Listing,
    Menu,
    Node,
    Option,
    Pages,
    Pick,
)

ENTRY = "likelemba"
GROUP_CUT = 20
PER_PAGE = 4


def _view(ctx: Context) -> dict[str, Any]:
    group = likelemba.get_group(
        ctx.session, ctx.data["group"], role="customer", viewer_id=ctx.me.id
    )
    return likelemba.group_view(ctx.session, group)


def _name(view: dict[str, Any]) -> str:
    return formats.short(view["name"], GROUP_CUT)


def _member_name(view: dict[str, Any], msisdn: str | None) -> str:
    for member in view["members"]:
        if member["msisdn"] == msisdn:
            return formats.short(member["name"])
    return formats.national(msisdn) if msisdn else "-"


def my_groups(ctx: Context) -> list[Option]:
    return [
        (g.id, formats.short(g.name, GROUP_CUT)) for g in likelemba.groups_for(ctx.session, ctx.me)
    ]


def my_invitations(ctx: Context) -> list[Option]:
    return [
        (g.id, formats.short(g.name, GROUP_CUT))
        for g in likelemba.invitations_for(ctx.session, ctx.me)
    ]


def group_detail(ctx: Context) -> Listing:
    """Status, contribution, whose turn is next and when, the pot, who is late."""
    view = _view(ctx)
    title = ctx.t(f"ussd.likelemba.status.{view['status']}", group=_name(view))
    lines = [
        ctx.t(
            f"ussd.likelemba.contribution.{view['period']}",
            amount=formats.money(view["contribution"]),
        )
    ]
    open_cycles = [c for c in view["cycles"] if c["status"] == "open"]
    if open_cycles:
        cycle = open_cycles[0]
        lines.append(
            ctx.t(
                "ussd.likelemba.turn",
                number=cycle["number"],
                name=_member_name(view, cycle["beneficiary"]),
                date=formats.local_day(cycle["due_at"], ctx.config.TIMEZONE),
            )
        )
        lines.append(ctx.t("ussd.likelemba.pot", amount=formats.money(view["pot"])))
        late = view["late"]
        lines += [ctx.t("ussd.likelemba.late", name=_member_name(view, m)) for m in late]
        if not late:
            lines.append(ctx.t("ussd.likelemba.nobody_late"))
    elif view["status"] == "forming":
        waiting = sum(1 for m in view["members"] if m["status"] == "invited")
        lines.append(ctx.t("ussd.likelemba.waiting", count=waiting))
    return Listing(title, lines, ctx.t("ussd.likelemba.none"))


def invitation_summary(ctx: Context) -> str:
    view = _view(ctx)
    me = next((m for m in view["members"] if m["msisdn"] == ctx.msisdn), None)
    return ctx.t(
        f"ussd.likelemba.invite.{view['period']}",
        name=formats.short(view["members"][0]["name"]),
        group=_name(view),
        amount=formats.money(view["contribution"]),
        count=len(view["members"]),
        position=me["position"] if me else "-",
    )


def accept_invitation(ctx: Context) -> str:
    customers.verify_pin(ctx.session, ctx.me, ctx.data["pin"])
    group = likelemba.accept(ctx.session, ctx.me, ctx.data["group"])
    view = likelemba.group_view(ctx.session, group)
    if view["status"] == "active" and view["cycles"]:
        date = formats.local_day(view["cycles"][0]["due_at"], ctx.config.TIMEZONE)
        return ctx.t("ussd.likelemba.started", group=_name(view), date=date)
    return ctx.t("ussd.likelemba.accepted", group=_name(view))


def decline_invitation(ctx: Context) -> str:
    group = likelemba.decline(ctx.session, ctx.me, ctx.data["group"])
    return ctx.t("ussd.likelemba.declined", group=formats.short(group.name, GROUP_CUT))


# Entry 5 of the "Épargne" sub-menu (``menu.SAVINGS_CHOICES``).
SAVINGS_CHOICE = Choice("5", "ussd.main.likelemba", ENTRY)

NODES: dict[str, Node] = {
    ENTRY: Menu(
        "ussd.likelemba.title",
        (
            Choice("1", "ussd.likelemba.groups", "likelemba.groups"),
            Choice("2", "ussd.likelemba.invitations", "likelemba.invites"),
        ),
    ),
    "likelemba.groups": Pick(
        "ussd.likelemba.groups_title",
        my_groups,
        "group",
        "likelemba.detail",
        "ussd.likelemba.none",
        per_page=PER_PAGE,
    ),
    "likelemba.detail": Pages(group_detail),
    "likelemba.invites": Pick(
        "ussd.likelemba.invites_title",
        my_invitations,
        "group",
        "likelemba.invite",
        "ussd.likelemba.no_invitation",
        per_page=PER_PAGE,
    ),
    "likelemba.invite": Confirm(
        invitation_summary,
        "likelemba.pin",
        confirm="ussd.likelemba.accept",
        choices=(Choice("2", "ussd.likelemba.decline", "likelemba.declined"),),
    ),
    "likelemba.pin": Ask("ussd.pin.enter", "pin", parsers.pin, "likelemba.accepted"),
    "likelemba.accepted": Final(accept_invitation),
    "likelemba.declined": Final(decline_invitation),
}

# The screen whose handler checks the PIN typed just before (counted per number).
PIN_SCREENS = frozenset({"likelemba.accepted"})
