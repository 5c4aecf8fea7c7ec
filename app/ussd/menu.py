"""The PostCash USSD menu, as data: every screen, what it asks and where each input leads.

Screen names read ``<flow>.<step>``; the flow names the catalog keys of its
errors (``failures.py``). ``main`` is home for a registered number and
``register.language`` for an unknown one. Reading this table top to bottom is
reading the service:

    main ─1→ send.to → send.amount → send.confirm (fee, name) → send.pin → send.done
         ─2→ withdraw.amount → withdraw.pin (fee) → withdraw.done (cash-out code)
         ─3→ remit.to → remit.name → remit.amount → remit.confirm (fee) → remit.pin → remit.done
         ─4→ bills.list (9 next page) → bills.reference → bills.amount → bills.confirm (fee)
             → bills.pin → bills.done (the entry is hidden when USSD_BILLS_ENABLED is off)
         ─5→ balance.pin → balance.done
         ─6→ statement.pin → statement.pages (9 next page)
         ─7→ account ─1→ pin.old → pin.new → pin.again → pin.done
                     ─2→ language ─1/2→ language.done
                     ─3→ limits.pin → limits.done
                     ─4→ claim.code → claim.done
                     ─5→ mail.summary → mail.list → mail.letter → mail.pin → mail.done
                         (hybrid mail: unread letters, a receipt acknowledged with the PIN)
         ─8→ pending.list (merchants' payment requests, 9 next page) → pending.confirm
             ─1→ pending.pin → pending.done   ─2→ pending.declined
         ─9→ savings ─1→ savings.balance.pin → savings.balance.done (balance, interest so far)
                     ─2→ savings.deposit.amount → savings.deposit.pin → savings.deposit.done
                     ─3→ savings.withdraw.amount → savings.withdraw.pin → savings.withdraw.done
                     ─4→ savings.open (rate, minimum) → savings.open.done
                     ─5→ likelemba (app/ussd/likelemba.py: my groups, invitations)
    register.language ─1/2→ register.first_name → register.last_name → register.pin
                      → register.pin_again → register.done (the main menu, greeting first)

The main menu is full with ``9`` Épargne: a new service goes into a sub-menu
(``7`` My account, ``9`` Épargne).
"""

from __future__ import annotations

from app.config import Config
from app.ussd import likelemba, mail_screens, parsers, screens
from app.ussd.machine import Ask, Choice, Confirm, Final, Menu, Node, Pages, Pick, Position

MAIN = "main"
REGISTER = "register.language"


def _bills_shown(config: Config) -> bool:
    return config.USSD_BILLS_ENABLED


PENDING = Choice("8", "ussd.main.pending", "pending.list")
SAVINGS = Choice("9", "ussd.main.savings", "savings")
MAIN_CHOICES = (
    Choice("1", "ussd.main.send", "send.to"),
    Choice("2", "ussd.main.withdraw", "withdraw.amount"),
    Choice("3", "ussd.main.remit", "remit.to"),
    Choice("4", "ussd.main.bills", "bills.list", shown=_bills_shown),
    Choice("5", "ussd.main.balance", "balance.pin"),
    Choice("6", "ussd.main.statement", "statement.pin"),
    Choice("7", "ussd.main.account", "account"),
    PENDING,
    SAVINGS,
)
# Right after registering, the greeting above the menu takes the room of entries 8 and
# 9 (the screen would pass 182 characters): a wallet opened a moment ago has no
# merchant request waiting and no livret, and ``00`` shows the whole menu.
WELCOME_CHOICES = tuple(choice for choice in MAIN_CHOICES if choice not in (PENDING, SAVINGS))

# The "Épargne" sub-menu: the livret d'épargne. The likelemba items ("Mes likelemba",
# accept an invitation, whose turn is next) are entry 5, their own sub-menu.
SAVINGS_CHOICES: tuple[Choice, ...] = (
    Choice("1", "ussd.savings.balance", "savings.balance.pin"),
    Choice("2", "ussd.savings.deposit", "savings.deposit.amount"),
    Choice("3", "ussd.savings.withdraw", "savings.withdraw.amount"),
    Choice("4", "ussd.savings.open", "savings.open"),
    likelemba.SAVINGS_CHOICE,
)

LANGUAGE_CHOICES = (
    Choice("1", "ussd.language.fr", "", sets={"lang": "fr"}),
    Choice("2", "ussd.language.ln", "", sets={"lang": "ln"}),
)


def _languages(to: str) -> tuple[Choice, ...]:
    return tuple(Choice(c.key, c.label, to, sets=c.sets) for c in LANGUAGE_CHOICES)


def _pin(to: str) -> Ask:
    return Ask("ussd.pin.enter", "pin", parsers.pin, to)


NODES: dict[str, Node] = {
    MAIN: Menu("ussd.main.title", MAIN_CHOICES, root=True),
    # 1 Send money
    "send.to": Ask("ussd.send.to", "to", parsers.msisdn, "send.amount"),
    "send.amount": Ask("ussd.send.amount", "amount", parsers.amount, "send.confirm"),
    "send.confirm": Confirm(screens.p2p_summary, "send.pin"),
    "send.pin": _pin("send.done"),
    "send.done": Final(screens.send_money),
    # 2 Withdrawal
    "withdraw.amount": Ask("ussd.withdraw.amount", "amount", parsers.amount, "withdraw.pin"),
    "withdraw.pin": Ask(
        "ussd.withdraw.pin", "pin", parsers.pin, "withdraw.done", params=screens.withdrawal_fee
    ),
    "withdraw.done": Final(screens.withdraw),
    # 3 Remittance
    "remit.to": Ask("ussd.remit.to", "to", parsers.msisdn, "remit.name"),
    "remit.name": Ask("ussd.remit.name", "name", parsers.name, "remit.amount"),
    "remit.amount": Ask("ussd.remit.amount", "amount", parsers.amount, "remit.confirm"),
    "remit.confirm": Confirm(screens.remittance_summary, "remit.pin"),
    "remit.pin": _pin("remit.done"),
    "remit.done": Final(screens.send_remittance),
    # 4 Bills
    "bills.list": Pick(
        "ussd.bills.title", screens.billers, "biller", "bills.reference", "ussd.bills.none"
    ),
    "bills.reference": Ask(
        "ussd.bills.reference",
        "reference",
        parsers.bill_reference,
        "bills.amount",
        params=screens.bill_reference_hint,
    ),
    "bills.amount": Ask("ussd.bills.amount", "amount", parsers.amount, "bills.confirm"),
    "bills.confirm": Confirm(screens.bill_summary, "bills.pin"),
    "bills.pin": _pin("bills.done"),
    "bills.done": Final(screens.pay_bill),
    # 5 Balance
    "balance.pin": _pin("balance.done"),
    "balance.done": Final(screens.balance),
    # 6 Mini-statement
    "statement.pin": _pin("statement.pages"),
    "statement.pages": Pages(screens.statement),
    # 9 Savings: the livret d'épargne (and, at merge, likelemba)
    "savings": Menu("ussd.savings.title", SAVINGS_CHOICES),
    "savings.balance.pin": _pin("savings.balance.done"),
    "savings.balance.done": Final(screens.savings_balance),
    "savings.deposit.amount": Ask(
        "ussd.savings.deposit.amount", "amount", parsers.amount, "savings.deposit.pin"
    ),
    "savings.deposit.pin": _pin("savings.deposit.done"),
    "savings.deposit.done": Final(screens.savings_deposit),
    "savings.withdraw.amount": Ask(
        "ussd.savings.withdraw.amount", "amount", parsers.amount, "savings.withdraw.pin"
    ),
    "savings.withdraw.pin": _pin("savings.withdraw.done"),
    "savings.withdraw.done": Final(screens.savings_withdraw),
    "savings.open": Confirm(screens.savings_offer, "savings.open.done"),
    "savings.open.done": Final(screens.open_savings),
    # 7 My account
    "account": Menu(
        "ussd.account.title",
        (
            Choice("1", "ussd.account.pin", "pin.old"),
            Choice("2", "ussd.account.language", "language"),
            Choice("3", "ussd.account.limits", "limits.pin"),
            Choice("4", "ussd.account.claim", "claim.code"),
            Choice("5", "ussd.account.mail", "mail.summary"),  # hybrid mail
        ),
    ),
    # 8 Pending payments: what merchants ask the customer to pay
    "pending.list": Pick(
        "ussd.pending.title",
        screens.pending_requests,
        "request",
        "pending.confirm",
        "ussd.pending.none",
        per_page=screens.PENDING_PER_PAGE,
    ),
    "pending.confirm": Confirm(
        screens.request_summary,
        "pending.pin",
        confirm="ussd.pending.pay",
        choices=(Choice("2", "ussd.pending.decline", "pending.declined"),),
    ),
    "pending.pin": _pin("pending.done"),
    "pending.done": Final(screens.pay_request),
    "pending.declined": Final(screens.decline_request),
    # 9 Likelemba groups (their own module)
    **likelemba.NODES,
    "pin.old": Ask("ussd.pin.old", "old_pin", parsers.pin, "pin.new"),
    "pin.new": Ask("ussd.pin.new", "new_pin", parsers.new_pin, "pin.again"),
    "pin.again": Ask(
        "ussd.pin.again",
        "new_pin_again",
        parsers.pin,
        "pin.done",
        same_as="new_pin",
        retry="pin.new",
    ),
    "pin.done": Final(screens.change_pin),
    "language": Menu("ussd.language.choose", _languages("language.done")),
    "language.done": Final(screens.set_language),
    "limits.pin": _pin("limits.done"),
    "limits.done": Final(screens.my_limits),
    "claim.code": Ask("ussd.claim.code", "code", parsers.remittance_code, "claim.done"),
    "claim.done": Final(screens.claim_remittance),
    # -- hybrid mail: Mon courrier (My account → 5) --
    "mail.summary": Confirm(mail_screens.summary, "mail.list", confirm="ussd.mail.see"),
    "mail.list": Pick(
        "ussd.mail.title",
        mail_screens.letters,
        "letter",
        "mail.letter",
        "ussd.mail.none",
        per_page=mail_screens.MAIL_PER_PAGE,
    ),
    "mail.letter": Confirm(mail_screens.letter, "mail.pin", confirm="ussd.mail.ack"),
    "mail.pin": _pin("mail.done"),
    "mail.done": Final(mail_screens.acknowledge),
    # -- end hybrid mail --
    # Registration of an unknown number
    REGISTER: Menu(
        "ussd.register.welcome", _languages("register.first_name"), root=True, public=True
    ),
    "register.first_name": Ask(
        "ussd.register.first_name",
        "first_name",
        parsers.customer_name,
        "register.last_name",
        public=True,
    ),
    "register.last_name": Ask(
        "ussd.register.last_name",
        "last_name",
        parsers.customer_name,
        "register.pin",
        public=True,
    ),
    "register.pin": Ask(
        "ussd.register.pin", "pin", parsers.new_pin, "register.pin_again", public=True
    ),
    "register.pin_again": Ask(
        "ussd.register.pin_again",
        "pin_again",
        parsers.pin,
        "register.done",
        public=True,
        same_as="pin",
        retry="register.pin",
    ),
    "register.done": Menu(
        "ussd.main.title",
        WELCOME_CHOICES,
        root=True,
        home=MAIN,
        action=screens.register,
        public=True,
    ),
}


# Screens whose handler checks the PIN typed on the screen before (``pin.done``: the
# old PIN). Each one shown is a PIN submitted, counted per number
# (``auth.throttle.take_pin_screen``); turning a statement's pages is not.
PIN_SCREENS = frozenset(
    {
        "send.done",
        "withdraw.done",
        "remit.done",
        "bills.done",
        "balance.done",
        "statement.pages",
        "pending.done",
        "pin.done",
        "limits.done",
        *likelemba.PIN_SCREENS,
        "mail.done",  # hybrid mail
        "savings.balance.done",
        "savings.deposit.done",
        "savings.withdraw.done",
    }
)


def submits_pin(position: Position) -> bool:
    """True when the screen reached checks a PIN just typed (not a page turn, not a replay)."""
    return position.screen in PIN_SCREENS and position.state.page == 0 and not position.over


def flow_of(screen: str) -> str:
    return screen.split(".", 1)[0]
