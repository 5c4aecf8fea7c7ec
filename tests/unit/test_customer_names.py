"""The name a payer or a partner sends must be the registered customer's name
(app/customers/names.py): same words, whatever the case, accents, order,
spacing and punctuation; any other name sends the money to cash pickup."""

import pytest

from app.customers.names import name_words, same_person


@pytest.mark.parametrize(
    "given",
    [
        "Awa Ngoma",
        "NGOMA Awa",
        "ngoma awa",
        "  Awa    Ngoma  ",
        "Ngoma, Awa",
        "AWA NGOMA.",
        "Ngoma/Awa",
    ],
)
def test_case_order_spacing_and_punctuation_are_tolerated(given):
    assert same_person(given, "Awa", "Ngoma")


@pytest.mark.parametrize(
    "given,first,last",
    [
        ("Eloise Mabiala", "Éloïse", "Mabiala"),
        ("ÉLOÏSE MABIALA", "Eloise", "Mabiala"),
        ("Noel Bœuf", "Noël", "Boeuf"),
        ("Jean-Pierre Okemba", "Jean Pierre", "Okemba"),
        ("Jean Pierre Okemba", "Jean-Pierre", "Okemba"),
        ("Awa NGoma", "Awa", "N'Goma"),
        ("Marie-Thérèse Nkounkou", "Marie-Therese", "Nkounkou"),
    ],
)
def test_accents_hyphens_and_apostrophes_are_tolerated(given, first, last):
    assert same_person(given, first, last)


@pytest.mark.parametrize(
    "given",
    [
        "Awa Mabiala",  # another surname
        "Awa",  # a word missing
        "Awa N.",  # abbreviated
        "Awa Marie Ngoma",  # a word more
        "Awa Awa Ngoma",  # a word repeated
        "Ngom Awa",
        "",
        "   ",
        "...",
    ],
)
def test_another_name_is_not_the_customer(given):
    assert not same_person(given, "Awa", "Ngoma")


def test_a_name_that_is_not_text_is_nobody():
    assert not same_person(None, "Awa", "Ngoma")
    assert name_words(42) == ()


def test_words_are_folded_and_sorted():
    assert name_words("  NGOMA-Mabiala, Éloïse ") == ("eloise", "mabiala", "ngoma")
