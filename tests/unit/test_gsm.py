"""SMS are written in GSM-7: what is kept, what is transliterated, how long it is."""

from hypothesis import given
from hypothesis import strategies as st

from app.notify.gsm import CONCAT_PART, gsm_cut, is_gsm7, parts, septets, sms_length, to_gsm7


def test_plain_ascii_is_kept_as_it_is():
    assert (
        to_gsm7("PostCash: code 123456, valable 5 min.") == "PostCash: code 123456, valable 5 min."
    )


def test_french_accents_that_gsm7_has_are_kept():
    assert to_gsm7("réglé à Brazzaville, où") == "réglé à Brazzaville, où"


def test_accents_gsm7_lacks_lose_them():
    assert to_gsm7("Pièce d'identité, fenêtre, aîné, hôtel, ça") == (
        "Pièce d'identité, fenetre, ainé, hotel, ca"
    )


def test_typographic_punctuation_becomes_ascii():
    text = "l\u2019envoi \u00ab vite \u00bb\u2026 c\u0153ur \u2014 fin"
    assert to_gsm7(text) == 'l\'envoi " vite "... coeur - fin'


def test_babel_digit_grouping_spaces_become_plain_spaces():
    assert to_gsm7("12\u202f500\u00a0FCFA") == "12 500 FCFA"


def test_non_latin_characters_and_emoji_become_question_marks():
    assert to_gsm7("Mbote 世界 😀") == "Mbote ?? ?"


def test_decomposed_accents_are_composed_first():
    assert to_gsm7("e\u0301te\u0301") == "été"


def test_length_counts_extension_characters_twice():
    assert sms_length("abc") == 3
    assert sms_length("5 €") == 4
    assert sms_length("[ok]") == 6


def test_length_is_measured_after_transliteration():
    assert sms_length("…") == 3


def test_a_text_of_160_septets_is_one_part():
    assert parts("a" * 160) == ["a" * 160]


def test_a_longer_text_is_cut_in_parts_of_153():
    assert [len(p) for p in parts("a" * 161)] == [153, 8]


def test_an_extension_character_is_not_split_from_its_escape():
    text = "a" * 152 + "€" + "b" * 10
    first, second = parts(text)
    assert first == "a" * 152
    assert second.startswith("€")


@given(st.text(max_size=400))
def test_any_text_becomes_gsm7(text):
    assert is_gsm7(to_gsm7(text))


@given(st.text(max_size=600))
def test_parts_rebuild_the_whole_text_and_each_fits(text):
    pieces = parts(text)
    assert "".join(pieces) == to_gsm7(text)
    if len(pieces) > 1:
        assert all(sms_length(p) <= CONCAT_PART for p in pieces)


def test_a_cut_counts_an_extension_character_as_two_septets():
    assert gsm_cut("ab€cd", 3) == "ab"
    assert gsm_cut("ab€cd", 4) == "ab€"


def test_a_cut_is_made_after_transliteration():
    cut = gsm_cut("Œuvre Ñandú Łódź", 10)
    assert is_gsm7(cut) and septets(cut) <= 10


def test_a_cut_name_never_ends_with_a_space():
    assert gsm_cut("Jean Okemba", 5) == "Jean"
