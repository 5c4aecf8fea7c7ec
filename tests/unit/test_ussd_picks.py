"""A USSD pick means the line the customer saw, whatever the list holds by the next request.

The machine reads a pick from what its screen showed (``Shown``), which the channel
keeps in the session's row (``sessions.Memory``), named by the inputs the screen
answered; the list as it is now is only used to draw the next screen.
"""

from __future__ import annotations

from app.config import Config
from app.ussd.machine import Choice, Final, Menu, Pick, Shown, State, shown_on, walk
from app.ussd.sessions import Memory

CONFIG = Config()


def _never(ctx):  # a walk renders nothing
    raise AssertionError("a walk must not run a handler")


NODES = {
    "home": Menu("t.home", (Choice("1", "t.pick", "pick"),), root=True),
    "pick": Pick("t.pick", _never, "item", "done", "t.none", per_page=2),
    "done": Final(_never),
}


def walked(inputs, shown):
    return walk(NODES, "home", inputs, CONFIG, shown=shown).state


def test_a_pick_is_read_from_what_its_screen_showed_not_from_the_list_now():
    shown = {1: Shown(("water", "phone"), more=False)}
    assert walked(["1", "2"], shown.get) == State("done", {"item": "phone"})


def test_a_pick_whose_screen_is_not_remembered_is_refused_not_guessed():
    assert walked(["1", "1"], {}.get) == State("pick", {}, note="ussd.note.choice")


def test_nine_turns_the_page_only_if_the_screen_offered_it():
    assert walked(["1", "9"], {1: Shown(("a", "b"), more=True)}.get).page == 1
    refused = walked(["1", "9"], {1: Shown(("a", "b"), more=False)}.get)
    assert refused.note == "ussd.note.choice"


def test_the_second_page_is_read_from_what_the_second_screen_showed():
    shown = {1: Shown(("a", "b"), more=True), 2: Shown(("z",), more=False)}
    assert walked(["1", "9", "1"], shown.get) == State("done", {"item": "z"})
    assert walked(["1", "9", "2"], shown.get).note == "ussd.note.choice"


def test_a_screen_shows_its_page_of_the_list_and_whether_more_follows():
    items = [("a", "A"), ("b", "B"), ("c", "C")]
    assert shown_on(NODES["pick"], items, 0) == Shown(("a", "b"), more=True)
    assert shown_on(NODES["pick"], items, 1) == Shown(("c",), more=False)


def memory(inputs, lists=None):
    return Memory(None, lists or {}, tuple(inputs), "secret", "ATUid_1")


def test_a_list_is_recalled_by_the_inputs_its_screen_answered():
    shown = Shown(("water",), more=False)
    lists = memory(["4"]).keeping(shown)
    assert memory(["4", "1"], lists).shown(1) == shown
    assert memory(["5", "1"], lists).shown(1) is None  # another way to that step
    assert memory(["4", "1"], {}).shown(1) is None


def test_only_the_lists_on_the_way_to_the_current_screen_are_kept():
    first = memory(["4"]).keeping(Shown(("water",), more=False))
    other = memory(["7"]).keeping(Shown(("x",), more=False))
    kept = memory(["4", "1", "01234567890"], {**first, **other}).keeping(None)
    assert kept == first
