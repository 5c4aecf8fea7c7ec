"""Every USSD screen fits 182 characters, counted after rendering with the longest
names and amounts, in French and Lingala, with any note above it and its navigation
lines below. The screens are rendered by the real handlers; only the domain they
call is replaced by stand-ins returning the longest values it can return."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from app.config import DEFAULT_TARIFFS, Config
from app.errors import DomainError
from app.i18n import translate
from app.i18n.catalog import catalogs
from app.ledger import Balance
from app.transfers.withdrawals import IssuedWithdrawal
from app.ussd import failures, formats, mail_screens, screens
from app.ussd import likelemba as likelemba_screens
from app.ussd.machine import Ask, Confirm, Context, Final, Menu, State, render
from app.ussd.menu import NODES
from app.ussd.protocol import SCREEN_LIMIT

LANGUAGES = ["fr", "ln"]
CONFIG = Config()
LONGEST_AMOUNT = 99_999_999  # eight digits: parsers.MAX_AMOUNT_DIGITS
LONGEST_FEE = max(fee for bands in DEFAULT_TARIFFS.values() for _upper, fee in bands)
FIRST = "Marie-Thérèse Bernadette Akouo"  # 30 characters, the most a first name may have
LAST = "Mabiala-Nkounkou-Loubaki-Ngoma"  # 30 as well
SIXTY = "Jean-Baptiste Mabiala-Nkounkou Loubaki Ngoma Okemba Samba Ka"  # a remittance name
NOTES = [k for k in catalogs()["fr"] if k.startswith("ussd.note.")]
NOON = datetime(2026, 11, 28, 22, 59, tzinfo=UTC)


def visible_length(reply) -> int:
    return len(f"{reply.kind} {reply.body}")  # what render() would send, before any cut


@pytest.fixture
def longest(monkeypatch):
    """The domain, answering with the longest values it can produce."""
    stand_in = SimpleNamespace(
        display_name=f"{FIRST} {LAST[0]}.", msisdn="+242061234567", first_name=FIRST
    )
    transfer = SimpleNamespace(
        amount=LONGEST_AMOUNT,
        fee=LONGEST_FEE,
        reference="PCWWWWWWWW",
        meta={"to": {"name": stand_in.display_name}},
        expires_at=NOON,
    )
    remittance = SimpleNamespace(
        reference="PMWWWWWWWW", amount=LONGEST_AMOUNT, recipient_name=SIXTY, sender_name=SIXTY
    )
    money = Balance(LONGEST_AMOUNT, LONGEST_AMOUNT, LONGEST_AMOUNT, "XAF")
    statement_item = {
        "type": "remittance_refund",
        "direction": "credit",
        "amount": LONGEST_AMOUNT,
        "fee": 0,
        "counterparty": {"name": SIXTY},
        "created_at": NOON,
    }
    limits = {
        "tier": "standard",
        "single": LONGEST_AMOUNT,
        "daily_remaining": LONGEST_AMOUNT,
        "monthly_remaining": LONGEST_AMOUNT,
        "balance": LONGEST_AMOUNT,
    }
    biller = SimpleNamespace(
        code="CODE",
        name=SIXTY,
        reference_hint="H" * 120,  # the most a biller may write
        reference_example="0" * 30,
    )
    request = SimpleNamespace(id="ID", transfer_id="TRANSFER", expires_at=NOON)
    request_view = {
        "id": "ID",
        "merchant": {"id": "M", "name": SIXTY},
        "reference": "R" * 64,  # the most a merchant may send
        "amount": LONGEST_AMOUNT,
        "status": "declined",
    }
    group = SimpleNamespace(id="G", name="L" * 40)
    member = {
        "msisdn": "+242061234567",
        "name": stand_in.display_name,
        "position": 30,
        "status": "invited",
    }
    group_view = {
        "name": "L" * 40,
        "status": "forming",
        "period": "monthly",
        "contribution": LONGEST_AMOUNT,
        "pot": LONGEST_AMOUNT,
        "members": [member] * 30,
        "late": ["+242061234567"] * 29,
        "cycles": [
            {"number": 30, "status": "open", "beneficiary": "+242061234567", "due_at": NOON}
        ],
    }
    livret = SimpleNamespace(id="L", number="EP0123456789", product="livret")
    livret_view = {
        "number": "EP0123456789",
        "balance": LONGEST_AMOUNT,
        "accrued_interest": LONGEST_AMOUNT,
        "annual_rate_bp": 1_250,
    }
    patches = {
        (likelemba_screens.likelemba, "groups_for"): lambda *a, **k: [group] * 9,
        (likelemba_screens.likelemba, "invitations_for"): lambda *a, **k: [group] * 9,
        (likelemba_screens.likelemba, "get_group"): lambda *a, **k: group,
        (likelemba_screens.likelemba, "group_view"): lambda *a, **k: group_view,
        (likelemba_screens.likelemba, "accept"): lambda *a, **k: group,
        (likelemba_screens.likelemba, "decline"): lambda *a, **k: group,
        (likelemba_screens.customers, "verify_pin"): lambda *a, **k: None,
        (screens.savings_accounts, "summary"): lambda *a, **k: livret_view,
        (screens.savings_accounts, "main_account"): lambda *a, **k: livret,
        (screens.savings_accounts, "account_view"): lambda *a, **k: livret_view,
        (screens.savings_accounts, "open_savings_account"): lambda *a, **k: livret,
        (screens.savings_movements, "deposit_from_wallet"): lambda *a, **k: transfer,
        (screens.savings_movements, "withdraw_with_pin"): lambda *a, **k: transfer,
        (screens.requests, "pending_requests_for"): lambda *a, **k: [request] * 9,
        (screens.requests, "customer_view"): lambda *a, **k: request_view,
        (screens.requests, "pending_request_for"): lambda *a, **k: request,
        (screens.requests, "approve_request"): lambda *a, **k: request,
        (screens.requests, "decline_request"): lambda *a, **k: request,
        (screens.p2p, "get_owned"): lambda *a, **k: transfer,
        (screens.bills, "list_billers"): lambda *a, **k: [biller] * 9,
        (screens.billers_registry, "get_biller"): lambda *a, **k: biller,
        (screens.billers_registry, "clean_reference"): lambda *a, **k: "R" * 30,
        (screens.billers_registry, "check_amount"): lambda *a, **k: None,
        (screens.bills, "pay_bill_with_pin"): lambda *a, **k: transfer,
        (screens.p2p, "resolve_recipient"): lambda *a, **k: stand_in,
        (screens.p2p, "send_with_pin"): lambda *a, **k: transfer,
        (screens.remittances, "send_with_pin"): lambda *a, **k: remittance,
        (screens.claims, "claim_to_wallet"): lambda *a, **k: remittance,
        (screens, "create_withdrawal"): lambda *a, **k: IssuedWithdrawal(transfer, "999999"),
        (screens.service, "wallet_balance"): lambda *a, **k: money,
        (screens.service, "verify_pin"): lambda *a, **k: None,
        (screens.service, "change_pin"): lambda *a, **k: None,
        (screens.service, "set_language"): lambda *a, **k: None,
        (screens, "customer_statement"): lambda *a, **k: ([statement_item] * 5, None),
        (screens.limits, "limits_for"): lambda *a, **k: limits,
    }
    # hybrid mail: the longest sender, subject and tracking number
    letter = SimpleNamespace(
        id="L",
        tracking_number="RR123456785CG",
        sender_name=SIXTY,
        subject="S" * 120,
        registered=True,
        delivered_at=NOON,
        created_at=NOON,
    )
    patches[(mail_screens.mailbox, "unread")] = lambda *a, **k: [letter] * 999
    patches[(mail_screens.mailbox, "letter_for_recipient")] = lambda *a, **k: letter
    patches[(mail_screens.mailbox, "open_letter")] = lambda *a, **k: letter
    for (module, name), value in patches.items():
        monkeypatch.setattr(module, name, value)
    return SimpleNamespace(transfer=transfer, request_view=request_view)


def context(language: str) -> Context:
    customer = SimpleNamespace(id="C", language=language, first_name=FIRST, last_name=LAST)
    data = {
        "to": "+242061234567",
        "amount": LONGEST_AMOUNT,
        "name": SIXTY,
        "pin": "2580",
        "lang": language,
        "first_name": FIRST,
        "last_name": LAST,
        "code": "0123456789",
        "old_pin": "2580",
        "new_pin": "1470",
        "biller": "CODE",
        "reference": "R" * 30,
        "request": "ID",
        "group": "G",
        "letter": "L",  # hybrid mail
    }
    return Context(None, CONFIG, "+242061234567", customer, data, 0, "key")  # type: ignore[arg-type]


def rendered(screen: str, language: str, note: str | None = None, page: int = 0):
    ctx = context(language)
    return render(NODES[screen], State(screen, ctx.data, page, note), ctx)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", sorted(NODES))
def test_every_screen_fits_with_the_longest_values(longest, screen, language):
    assert visible_length(rendered(screen, language)) <= SCREEN_LIMIT


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "screen", sorted(s for s, node in NODES.items() if not isinstance(node, Final))
)
def test_every_screen_still_fits_with_any_note_above_it(longest, screen, language):
    # An input screen may say any note; a choice screen only that the choice was wrong.
    notes = NOTES if isinstance(NODES[screen], Ask) else ["ussd.note.choice"]
    for note in notes:
        assert visible_length(rendered(screen, language, note)) <= SCREEN_LIMIT, note


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_withdrawal_repeated_without_its_code_fits_too(longest, monkeypatch, language):
    issued = IssuedWithdrawal(longest.transfer, None)
    monkeypatch.setattr(screens, "create_withdrawal", lambda *a, **k: issued)
    reply = rendered("withdraw.done", language)
    assert "999999" not in reply.body
    assert visible_length(reply) <= SCREEN_LIMIT


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_request_that_expired_before_it_was_declined_fits_too(longest, language):
    longest.request_view["status"] = "expired"
    reply = rendered("pending.declined", language)
    amount, merchant = formats.money(LONGEST_AMOUNT), formats.short(SIXTY)
    assert reply.body == translate(
        "ussd.pending.expired", language, amount=amount, merchant=merchant
    )
    assert visible_length(reply) <= SCREEN_LIMIT


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_five_longest_statement_lines_are_spread_over_pages_that_fit(longest, language):
    pages = [rendered("statement.pages", language, page=n) for n in range(5)]
    assert all(visible_length(page) <= SCREEN_LIMIT for page in pages)
    shown = sum(page.body.count(formats.group_thousands(LONGEST_AMOUNT)) for page in pages[:-1])
    last = pages[-1].body.count(formats.group_thousands(LONGEST_AMOUNT))
    assert shown + last >= 5
    assert translate("ussd.nav.more", language) in pages[0].body
    assert translate("ussd.nav.more", language) not in pages[-1].body


def test_the_main_menu_has_no_way_back_and_sub_menus_have_one(longest):
    assert "0 Retour" not in rendered("main", "fr").body
    assert "0 Retour" in rendered("account", "fr").body


ERROR_PARAMS = {
    "attempts_left": 3,
    "remaining": LONGEST_AMOUNT,
    "minimum": LONGEST_AMOUNT,
    "limit": "monthly",
    "minutes": 1440,
    "until": "31/12 23:59",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "key",
    [
        *sorted(k for k in catalogs()["fr"] if k.startswith(("ussd.error.", "error."))),
        "ussd.locked",
        "ussd.locked_until",
        "ussd.session_over",
        "ussd.unavailable",
    ],
)
def test_every_error_screen_fits(key, language):
    params = {**ERROR_PARAMS, "remaining": formats.money(LONGEST_AMOUNT)}
    assert len("END " + translate(key, language, **params)) <= SCREEN_LIMIT


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_limit_error_says_which_limit_and_what_is_left(language):
    class Over(DomainError):
        code = "limit_exceeded"

    reply = failures.error_screen(Over(limit="daily", remaining=12_500), "send", language)
    assert reply.ends and "12 500 FCFA" in reply.body
    assert reply.body == translate(
        "ussd.error.limit_exceeded.daily", language, remaining="12 500 FCFA"
    )


def test_a_flow_may_say_more_than_the_shared_error_text():
    from app.errors import InvalidState

    withdraw = failures.error_screen(InvalidState(), "withdraw", "fr")
    elsewhere = failures.error_screen(InvalidState(), "send", "fr")
    assert withdraw.body == translate("ussd.error.withdraw.invalid_state", "fr")
    assert elsewhere.body == translate("error.invalid_state", "fr")


def test_every_text_a_screen_names_exists():
    keys = set(catalogs()["fr"])
    named = set()
    for node in NODES.values():
        for attribute in ("title", "prompt", "empty", "confirm"):
            if hasattr(node, attribute):
                named.add(getattr(node, attribute))
        if isinstance(node, Menu | Confirm):
            named |= {choice.label for choice in node.choices}
    assert named <= keys, named - keys


# The same in both on purpose: a name, a bilingual first screen, a loanword.
SAME_IN_BOTH = {
    "ussd.main.title",
    "ussd.register.welcome",
    "ussd.language.fr",
    "ussd.language.ln",
    "ussd.op.bill",
    "ussd.main.likelemba",  # a Lingala word in both
}


@pytest.mark.parametrize(
    "key", sorted(k for k in catalogs()["fr"] if k.startswith("ussd.") and k not in SAME_IN_BOTH)
)
def test_lingala_screens_are_translations_not_copies(key):
    assert catalogs()["ln"][key] != catalogs()["fr"][key]


def test_pages_show_nothing_but_a_line_saying_so_when_empty(monkeypatch):
    monkeypatch.setattr(screens.service, "verify_pin", lambda *a, **k: None)
    monkeypatch.setattr(screens, "customer_statement", lambda *a, **k: ([], None))
    reply = rendered("statement.pages", "fr")
    assert reply.body.splitlines()[1] == translate("ussd.statement.empty", "fr")
