"""The USSD state machine: inputs replayed into a position, without a database."""

from __future__ import annotations

import pytest

from app.config import Config
from app.ussd import parsers
from app.ussd.machine import (
    Ask,
    Choice,
    Confirm,
    Final,
    Menu,
    Pages,
    Pick,
    State,
    paginate,
    walk,
)
from app.ussd.menu import MAIN, NODES, REGISTER

CONFIG = Config()


def _final(ctx):  # never called: walking renders nothing
    raise AssertionError("a walk must not run a handler")


TOY = {
    "home": Menu("t.home", (Choice("1", "t.a", "ask"), Choice("2", "t.b", "list")), root=True),
    "ask": Ask("t.ask", "amount", parsers.amount, "confirm"),
    "confirm": Confirm(_final, "done"),
    "done": Final(_final),
    "list": Pages(_final),
    "pick": Pick("t.pick", _final, "item", "done", "t.none", per_page=2),
}
ITEMS = [("a", "A"), ("b", "B"), ("c", "C")]


def picked(*inputs: str) -> State:
    start = State("pick", {})
    nodes = {**TOY, "home": Menu("t.home", (Choice("1", "t.p", "pick"),), root=True)}
    position = walk(nodes, "home", ["1", *inputs], CONFIG, options=lambda node: ITEMS)
    assert position.state.screen in (start.screen, "done")
    return position.state


def at(*inputs: str, nodes=TOY, start: str = "home") -> State:
    position = walk(nodes, start, list(inputs), CONFIG)
    assert not position.over
    return position.state


def test_no_input_is_the_start_screen():
    assert at() == State("home", {})


def test_a_choice_leads_to_its_screen():
    assert at("1").screen == "ask"


def test_a_parsed_input_is_collected_for_the_next_screens():
    assert at("1", "5 000") == State("confirm", {"amount": 5000})


def test_an_invalid_input_stays_on_the_screen_with_a_note():
    assert at("1", "abc") == State("ask", {}, note="ussd.note.amount")


def test_the_note_is_gone_once_the_input_is_right():
    assert at("1", "abc", "700") == State("confirm", {"amount": 700})


def test_an_unknown_choice_stays_on_the_menu_with_a_note():
    assert at("7") == State("home", {}, note="ussd.note.choice")


def test_zero_goes_back_one_screen_with_what_was_collected_then():
    assert at("1", "700", "0") == State("ask", {})


def test_zero_at_home_stays_at_home():
    assert at("0") == State("home", {})


def test_double_zero_goes_home_and_forgets_the_values():
    assert at("1", "700", "00") == State("home", {})


def test_nine_turns_the_page_and_zero_turns_it_back():
    assert at("2", "9", "9").page == 2
    assert at("2", "9", "9", "0").page == 1


def test_confirm_takes_one_and_nothing_else():
    assert at("1", "700", "2").note == "ussd.note.choice"
    assert at("1", "700", "1").screen == "done"


def test_input_after_a_final_screen_means_the_session_was_over():
    assert walk(TOY, "home", ["1", "700", "1", "5"], CONFIG).over


def test_a_second_typing_that_differs_sends_back_to_choose_again():
    state = at("1", "Awa", "Mabiala", "1357", "1358", nodes=NODES, start=REGISTER)
    assert state == State(
        "register.pin",
        {"lang": "fr", "first_name": "Awa", "last_name": "Mabiala", "pin": "1357"},
        note="ussd.note.pin_mismatch",
    )


def test_registration_lands_on_a_main_menu_that_is_home_from_then_on():
    inputs = ["2", "Awa", "Mabiala", "1357", "1357"]
    assert at(*inputs, nodes=NODES, start=REGISTER).screen == "register.done"
    assert at(*inputs, "5", "00", nodes=NODES, start=REGISTER).screen == MAIN
    assert at(*inputs, "0", nodes=NODES, start=REGISTER).screen == "register.done"


def test_the_send_money_path_collects_number_and_amount():
    state = at("1", "06 123 4567", "5000", nodes=NODES, start=MAIN)
    assert state == State("send.confirm", {"to": "+242061234567", "amount": 5000})


def test_the_bills_entry_is_no_choice_when_hidden():
    hidden = Config(USSD_BILLS_ENABLED=False)
    position = walk(NODES, MAIN, ["4"], hidden)
    assert position.state.note == "ussd.note.choice"


def test_a_pick_collects_the_value_of_the_line_chosen_on_its_page():
    assert picked("2") == State("done", {"item": "b"})
    assert picked("9", "1") == State("done", {"item": "c"})


def test_a_pick_refuses_a_line_that_is_not_shown_and_a_page_that_does_not_exist():
    assert picked("3").note == "ussd.note.choice"  # two lines a page
    assert picked("9", "2").note == "ussd.note.choice"
    assert picked("9", "9") == State("pick", {}, page=1, note="ussd.note.choice")


def test_zero_on_a_second_page_of_a_pick_shows_the_first_again():
    assert picked("9", "0") == State("pick", {})


@pytest.mark.parametrize(
    ("lines", "budget", "pages"),
    [
        (["aaaa", "bbbb", "cccc"], 9, [["aaaa", "bbbb"], ["cccc"]]),
        (["aaaa", "bbbb", "cccc"], 100, [["aaaa", "bbbb", "cccc"]]),
        ([], 10, [[]]),
    ],
)
def test_pages_are_packed_in_order_within_the_budget(lines, budget, pages):
    assert paginate(lines, budget) == pages


@pytest.mark.parametrize(
    ("parser", "token", "value"),
    [
        (parsers.msisdn, "061234567", "+242061234567"),
        (parsers.msisdn, "+242 06 123 4567", "+242061234567"),
        (parsers.amount, "5.000", 5000),
        (parsers.amount, "99999999", 99_999_999),
        (parsers.pin, "0000", "0000"),
        (parsers.new_pin, "2580", "2580"),
        (parsers.name, "  Marie   Loubaki ", "Marie Loubaki"),
        (parsers.remittance_code, "0123 456 789", "0123456789"),
    ],
)
def test_parsers_accept_what_a_keypad_types(parser, token, value):
    assert parser(token, CONFIG) == value


@pytest.mark.parametrize(
    ("parser", "token"),
    [
        (parsers.msisdn, "12"),
        (parsers.msisdn, "+33612345678"),  # not an allowed region
        (parsers.amount, "0"),
        (parsers.amount, "100000000"),  # nine digits: a slip, no tier allows it
        (parsers.amount, "5e3"),
        (parsers.amount, "²"),  # found by the fuzz test: a digit to isdigit(), not to int()
        (parsers.amount, "\u0665\u0660\u0660\u0660"),  # 5000 in Arabic-Indic digits
        (parsers.pin, "258"),
        (parsers.pin, "٢٥٨٠"),  # digits, but not a keypad's
        (parsers.new_pin, "1234"),
        (parsers.name, "7"),
        (parsers.name, "Ab\x00cd"),
        (parsers.remittance_code, "12345"),
    ],
)
def test_parsers_refuse_the_wrong_shape(parser, token):
    from app.ussd.machine import Invalid

    with pytest.raises(Invalid):
        parser(token, CONFIG)
