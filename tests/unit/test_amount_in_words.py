"""Amounts in French words on counter receipts: traditional spelling, as cheques write it."""

import pytest

from app.receipts.words import amount_in_words, number_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (1, "un franc CFA"),
        (2, "deux francs CFA"),
        (16, "seize francs CFA"),
        (17, "dix-sept francs CFA"),
        (21, "vingt et un francs CFA"),
        (31, "trente et un francs CFA"),
        (70, "soixante-dix francs CFA"),
        (71, "soixante et onze francs CFA"),
        (72, "soixante-douze francs CFA"),
        (80, "quatre-vingts francs CFA"),
        (81, "quatre-vingt-un francs CFA"),
        (90, "quatre-vingt-dix francs CFA"),
        (91, "quatre-vingt-onze francs CFA"),
        (99, "quatre-vingt-dix-neuf francs CFA"),
        (100, "cent francs CFA"),
        (101, "cent un francs CFA"),
        (180, "cent quatre-vingts francs CFA"),
        (200, "deux cents francs CFA"),
        (201, "deux cent un francs CFA"),
        (1_000, "mille francs CFA"),
        (1_001, "mille un francs CFA"),
        (2_000, "deux mille francs CFA"),
        (15_000, "quinze mille francs CFA"),
        (15_500, "quinze mille cinq cents francs CFA"),
        (21_000, "vingt et un mille francs CFA"),
        (80_000, "quatre-vingt mille francs CFA"),
        (200_000, "deux cent mille francs CFA"),
        (280_000, "deux cent quatre-vingt mille francs CFA"),
        (1_000_000, "un million de francs CFA"),
        (1_500_000, "un million cinq cent mille francs CFA"),
        (2_000_000, "deux millions de francs CFA"),
        (80_000_000, "quatre-vingts millions de francs CFA"),
        (200_000_000, "deux cents millions de francs CFA"),
        (
            999_999_999,
            "neuf cent quatre-vingt-dix-neuf millions neuf cent quatre-vingt-dix-neuf mille"
            " neuf cent quatre-vingt-dix-neuf francs CFA",
        ),
        (1_000_000_000, "un milliard de francs CFA"),
    ],
)
def test_an_amount_is_written_in_french_words(amount, words):
    assert amount_in_words(amount) == words


def test_zero_is_singular():
    assert amount_in_words(0) == "zéro franc CFA"


def test_mille_never_takes_an_s_nor_un_before_it():
    assert number_in_words(3_000) == "trois mille"
    assert "un mille" not in number_in_words(1_000)


def test_vingt_and_cent_take_their_s_before_millions_not_before_mille():
    assert number_in_words(400_000_000) == "quatre cents millions"
    assert number_in_words(400_000) == "quatre cent mille"


@pytest.mark.parametrize("bad", [-1, 10**12])
def test_numbers_out_of_range_are_refused(bad):
    with pytest.raises(ValueError):
        number_in_words(bad)


def test_only_integers_are_written():
    with pytest.raises(TypeError):
        number_in_words(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        number_in_words(True)
