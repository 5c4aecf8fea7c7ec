"""USSD "Mon courrier" (My account → 5): how many letters wait unread and from whom,
and a registered letter acknowledged with the PIN, as ``/me/mailbox/{id}/open`` does
(``app.mail.mailbox``). Reading the PDF itself is for the app or the counter."""

from __future__ import annotations

from app.mail import mailbox
from app.ussd import formats
from app.ussd.machine import Context, Option

MAIL_PER_PAGE = 3
LINE_SENDER_CUT = 22  # "1 <22 characters> (R)" three times, 9 more, 0 back
SUBJECT_CUT = 24


def summary(ctx: Context) -> str:
    """How many letters wait unread, and how many of them are registered."""
    letters = mailbox.unread(ctx.session, ctx.me.id)
    registered = sum(1 for letter in letters if letter.registered)
    return ctx.t("ussd.mail.summary", count=len(letters), registered=registered)


def letters(ctx: Context) -> list[Option]:
    """The unread letters, newest first: (letter id, sender and ``(R)`` if registered)."""
    return [
        (
            letter.id,
            formats.short(letter.sender_name, LINE_SENDER_CUT)
            + (" (R)" if letter.registered else ""),
        )
        for letter in mailbox.unread(ctx.session, ctx.me.id)
    ]


def letter(ctx: Context) -> str:
    """The letter picked: its number, sender, subject and when it arrived."""
    found = mailbox.letter_for_recipient(ctx.session, ctx.data["letter"], ctx.me.id)
    received = found.delivered_at or found.created_at
    return ctx.t(
        "ussd.mail.letter",
        tracking=found.tracking_number,
        sender=formats.short(found.sender_name),
        subject=(found.subject or "-")[:SUBJECT_CUT],
        date=formats.local_day(received, ctx.config.TIMEZONE),
    )


def acknowledge(ctx: Context) -> str:
    """The PIN typed: receipt acknowledged (the proof of a registered letter)."""
    opened = mailbox.open_letter(
        ctx.session, ctx.me, ctx.data["letter"], ctx.data["pin"], channel="ussd"
    )
    return ctx.t(
        "ussd.mail.done",
        tracking=opened.tracking_number,
        sender=formats.short(opened.sender_name),
    )
