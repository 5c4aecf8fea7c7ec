"""The menu as a state machine: node kinds, the walk over the inputs, rendering.

A menu is a table ``{screen name: node}`` (``menu.py``). Six kinds of node:

* ``Menu``: numbered choices, each leading to a screen (and maybe setting a value);
* ``Pick``: numbered choices read from the domain (billers, payment requests), a page
  at a time;
* ``Ask``: one free input (a number, an amount, a name, a PIN), parsed, then on;
* ``Confirm``: a summary the domain computes (fee, recipient's name); ``1`` goes on
  (and maybe ``2`` elsewhere: decline);
* ``Pages``: a list the domain returns, cut into screens (``9`` next page);
* ``Final``: runs the domain action (money moves only here) and ends the session.

Navigation is the same everywhere: ``0`` goes back one screen (or one page),
``00`` goes home (the main menu, or the start of the registration).

``walk`` rebuilds the position from the session's inputs without writing
anything: transitions are pure (parsers check shapes only). Only the screen the
customer is now looking at is rendered, and its handler is the one place a
domain function runs. So a replayed input never re-runs a payment, and inputs
after a ``Final`` screen (the gateway closed the session) end the session again.

A ``Pick`` is the exception to "the inputs say it all": its list comes from the
database and may change between two requests (a biller added, renamed, taken
off). So a pick is read from what the screen *showed* (``Shown``: the values
of its numbered lines, kept by the channel in the session's row when the
screen was answered), never from the list as it is now: ``1`` means the line
the customer saw as ``1``, on every replay, up to the final PIN. A pick whose
screen is not remembered is refused ("Choix invalide."), never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from app.config import Config
from app.i18n import translate
from app.ussd.protocol import SCREEN_LIMIT, Reply

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.customers.models import Customer

BACK = "0"
HOME = "00"
MORE = "9"
CONFIRM = "1"


class Invalid(Exception):
    """An input of the wrong shape; ``note`` is the catalog key shown above the screen again."""

    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


class SessionOver(Exception):
    """Nothing more can happen in this session (it ended, or it has no customer)."""


Parser = Callable[[str, Config], Any]
Option = tuple[str, str]  # (value collected, label shown)


@dataclass
class Context:
    """What a screen handler gets: the unit of work, the caller and the values collected."""

    session: Session
    config: Config
    msisdn: str
    customer: Customer | None
    data: Mapping[str, Any]
    page: int
    client_key: str
    lists: dict[int, list[Option]] = field(default_factory=dict)  # read once a request

    def options_of(self, node: Pick) -> list[Option]:
        """The ``Pick``'s list as it is now (what its screen shows), read once a request."""
        if id(node) not in self.lists:
            self.lists[id(node)] = node.options(self)
        return self.lists[id(node)]

    @property
    def me(self) -> Customer:
        if self.customer is None:
            raise SessionOver()
        return self.customer

    @property
    def language(self) -> str:
        if self.customer is not None:
            return self.customer.language
        return str(self.data.get("lang") or self.config.DEFAULT_LANGUAGE)

    def t(self, key: str, **params: Any) -> str:
        return translate(key, self.language, **params)


Handler = Callable[[Context], str]


@dataclass(frozen=True, slots=True)
class Listing:
    title: str
    lines: list[str]
    empty: str  # shown instead of the lines when there are none


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    to: str
    sets: Mapping[str, Any] = field(default_factory=dict)
    shown: Callable[[Config], bool] | None = None

    def visible(self, config: Config) -> bool:
        return self.shown is None or self.shown(config)


@dataclass(frozen=True)
class Menu:
    title: str
    choices: tuple[Choice, ...]
    root: bool = False  # entering it forgets the way back
    home: str | None = None  # what ``00`` leads to from here on (default: this screen)
    action: Handler | None = None  # runs when shown; its text goes above the title
    public: bool = False  # shown to a number without a customer (registration)


@dataclass(frozen=True)
class Ask:
    prompt: str
    field: str
    parse: Parser
    to: str
    params: Callable[[Context], dict[str, Any]] | None = None
    public: bool = False
    # A second typing (a new PIN): must equal the value of ``same_as``, else the
    # customer goes back to ``retry`` to choose again.
    same_as: str | None = None
    retry: str | None = None


@dataclass(frozen=True)
class Confirm:
    summary: Handler
    to: str
    confirm: str = "ussd.nav.confirm"  # the line saying what ``1`` does
    choices: tuple[Choice, ...] = ()  # other answers than ``1`` (decline)


@dataclass(frozen=True)
class Pages:
    listing: Callable[[Context], Listing]


@dataclass(frozen=True)
class Pick:
    title: str
    options: Callable[[Context], list[Option]]
    field: str
    to: str
    empty: str  # shown instead of the choices when there are none
    per_page: int = 4  # 1-4 choose, 9 next page, 0 back: fits with names cut to 24


@dataclass(frozen=True, slots=True)
class Shown:
    """What a ``Pick`` screen showed: the values of its numbered lines in order, and
    whether ``9`` led to a further page. A pick is read from this, not from the list."""

    values: tuple[str, ...]
    more: bool


def shown_on(node: Pick, items: list[Option], page: int) -> Shown:
    """What ``node``'s screen shows of ``items`` on ``page``."""
    first = page * node.per_page
    lines = items[first : first + node.per_page]
    return Shown(tuple(value for value, _label in lines), first + node.per_page < len(items))


@dataclass(frozen=True)
class Final:
    action: Handler
    public: bool = False


Node = Menu | Ask | Confirm | Pages | Pick | Final


@dataclass(frozen=True, slots=True)
class State:
    screen: str
    data: Mapping[str, Any]
    page: int = 0
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Position:
    state: State
    over: bool = False  # inputs came after the session had ended

    @property
    def screen(self) -> str:
        return self.state.screen


def walk(
    nodes: Mapping[str, Node],
    start: str,
    inputs: list[str],
    config: Config,
    options: Callable[[Pick], list[Option]] | None = None,
    shown: Callable[[int], Shown | None] | None = None,
) -> Position:
    """Where the inputs lead from ``start``; pure, so replaying them is free and safe.

    ``shown(step)`` is what the ``Pick`` screen answered to the first ``step`` inputs
    showed (the channel remembers it); a walk without it (a test of the machine)
    reads ``options``, the list as it is now."""
    state = State(start, {})
    back: list[State] = []
    home = start
    for step, token in enumerate(inputs):
        node = nodes[state.screen]
        if isinstance(node, Final):
            return Position(state, over=True)
        if token == HOME:
            state, back = State(home, {}), []
            continue
        if token == BACK:
            state = back.pop() if back else replace(state, note=None)
            continue
        try:
            if isinstance(node, Pick):
                following = _pick(node, state, token, _lines(node, state, step, options, shown))
            else:
                following = _accept(node, state, token, config)
        except Invalid as invalid:
            state = replace(state, note=invalid.note)
            continue
        back.append(replace(state, note=None))
        state = following
        entered = nodes[state.screen]
        if isinstance(entered, Menu) and entered.root:
            back, home = [], entered.home or state.screen
    return Position(state)


def _accept(node: Node, state: State, token: str, config: Config) -> State:
    if isinstance(node, Menu):
        for choice in node.choices:
            if choice.key == token and choice.visible(config):
                return State(choice.to, {**state.data, **choice.sets})
        raise Invalid("ussd.note.choice")
    if isinstance(node, Ask):
        value = node.parse(token, config)
        if node.same_as and value != state.data.get(node.same_as):
            return State(node.retry or node.to, state.data, note="ussd.note.pin_mismatch")
        return State(node.to, {**state.data, node.field: value})
    if isinstance(node, Confirm):
        if token == CONFIRM:
            return State(node.to, state.data)
        for choice in node.choices:
            if choice.key == token and choice.visible(config):
                return State(choice.to, {**state.data, **choice.sets})
        raise Invalid("ussd.note.choice")
    if isinstance(node, Pages):
        if token == MORE:
            return replace(state, page=state.page + 1, note=None)
        raise Invalid("ussd.note.choice")
    raise Invalid("ussd.note.choice")  # pragma: no cover - Final is handled by walk


def _lines(
    node: Pick,
    state: State,
    step: int,
    options: Callable[[Pick], list[Option]] | None,
    shown: Callable[[int], Shown | None] | None,
) -> Shown | None:
    if shown is not None:
        return shown(step)
    if options is not None:
        return shown_on(node, options(node), state.page)
    return None


def _pick(node: Pick, state: State, token: str, lines: Shown | None) -> State:
    if lines is None:  # what the screen showed is not known: refuse rather than guess
        raise Invalid("ussd.note.choice")
    if token == MORE and lines.more:
        return replace(state, page=state.page + 1, note=None)
    if token.isascii() and token.isdigit() and 1 <= int(token) <= len(lines.values):
        return State(node.to, {**state.data, node.field: lines.values[int(token) - 1]})
    raise Invalid("ussd.note.choice")


def is_public(node: Node) -> bool:
    return isinstance(node, Menu | Ask | Final) and node.public


def render(node: Node, state: State, ctx: Context) -> Reply:
    """The screen for ``state``; the handler of ``node`` runs here and only here."""
    note = [ctx.t(state.note)] if state.note else []
    if isinstance(node, Final):
        return Reply.end(node.action(ctx))
    if isinstance(node, Menu):
        greeting = [node.action(ctx)] if node.action else []
        above = note or greeting  # one line above the menu: both would not fit
        lines = [ctx.t(node.title)]
        lines += [f"{c.key} {ctx.t(c.label)}" for c in node.choices if c.visible(ctx.config)]
        if not node.root:
            lines.append(ctx.t("ussd.nav.back"))
        return Reply.con("\n".join(above + lines))
    if isinstance(node, Ask):
        params = node.params(ctx) if node.params else {}
        return Reply.con("\n".join([*note, ctx.t(node.prompt, **params), ctx.t("ussd.nav.footer")]))
    if isinstance(node, Confirm):
        others = [f"{c.key} {ctx.t(c.label)}" for c in node.choices if c.visible(ctx.config)]
        body = [*note, node.summary(ctx), ctx.t(node.confirm), *others, ctx.t("ussd.nav.footer")]
        return Reply.con("\n".join(body))
    if isinstance(node, Pick):
        return Reply.con(_choices(node, ctx.options_of(node), state.page, note, ctx))
    return Reply.con(_page(node.listing(ctx), state.page, note, ctx))


def showing(node: Node, state: State, ctx: Context) -> Shown | None:
    """What the screen rendered for ``state`` showed to pick from (a ``Pick``), if anything:
    the channel keeps it, and the next input is read from it."""
    if isinstance(node, Pick):
        return shown_on(node, ctx.options_of(node), state.page)
    return None


def _choices(node: Pick, items: list[Option], page: int, note: list[str], ctx: Context) -> str:
    lines = [*note, ctx.t(node.title)]
    shown = items[page * node.per_page : (page + 1) * node.per_page]
    lines += [f"{n} {label}" for n, (_value, label) in enumerate(shown, start=1)]
    if not items:
        lines.append(ctx.t(node.empty))
    if (page + 1) * node.per_page < len(items):
        lines.append(ctx.t("ussd.nav.more"))
    lines.append(ctx.t("ussd.nav.footer"))
    return "\n".join(lines)


def _page(listing: Listing, page: int, note: list[str], ctx: Context) -> str:
    """Page ``page`` of the listing (the last one if past the end), packed to fit."""
    head = [*note, listing.title]
    more = ctx.t("ussd.nav.more")
    footer = ctx.t("ussd.nav.footer")
    if not listing.lines:
        return "\n".join([*head, listing.empty, footer])
    fixed = len("CON ") + len("\n".join([*head, more, footer])) + 1
    pages = paginate(listing.lines, SCREEN_LIMIT - fixed)
    index = min(page, len(pages) - 1)
    tail = [more, footer] if index < len(pages) - 1 else [footer]
    return "\n".join([*head, *pages[index], *tail])


def paginate(lines: list[str], budget: int) -> list[list[str]]:
    """Greedy packing of ``lines`` (joined by newlines) into pages of at most ``budget``."""
    pages: list[list[str]] = [[]]
    used = 0
    for line in lines:
        cost = len(line) + (1 if pages[-1] else 0)
        if pages[-1] and used + cost > budget:
            pages.append([])
            cost, used = len(line), 0
        pages[-1].append(line)
        used += cost
    return pages
