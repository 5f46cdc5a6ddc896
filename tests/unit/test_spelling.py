"""The spelling model that charges word models for unknown words: normalised, and as computed by hand."""

import itertools
import math

import pytest

from nlpbench.lm.spelling import UNICODE, Speller, unseen_char_nats


def test_symbol_probabilities_sum_to_one():
    speller = Speller.fit(["casa", "cosa", "sol", "casa"])
    assert sum(speller.symbol_probabilities().values()) == pytest.approx(1.0, abs=1e-12)


def test_word_probabilities_sum_to_one_over_every_string_of_a_small_alphabet():
    """With a universe of 4 characters (2 seen, 2 never seen), sum P over all strings up to length L:
    the missing mass is exactly the chance of not having ended by then."""
    speller = Speller.fit(["ab", "a"], universe=4)
    alphabet = ["a", "b", "x", "y"]  # x, y: unseen, reached through the escape
    total = sum(math.exp(-speller.nats("".join(chars)))
                for n in range(0, 9) for chars in itertools.product(alphabet, repeat=n))
    p_end = speller.symbol_probabilities()["<end>"]
    assert total == pytest.approx(1 - (1 - p_end) ** 9, rel=1e-9)
    assert total < 1


def test_a_hand_computed_word():
    # words {"ab", "a"}: n(a)=2, n(b)=1, W=2 ends, T=3 symbols (a, b, end); N + T = 3 + 2 + 3 = 8
    speller = Speller.fit(["ab", "a", "ab"], universe=10)
    assert speller.nats("ab") == pytest.approx(-math.log(2 / 8) - math.log(1 / 8) - math.log(2 / 8))
    # an unseen character: the escape (3/8), then 1 of the 10 - 2 unused code points
    assert speller.nats("c") == pytest.approx(-math.log(3 / 8) + math.log(8) - math.log(2 / 8))


def test_unseen_characters_cost_more_than_seen_ones_and_any_character_can_be_spelt():
    speller = Speller.fit(["amor", "dolor"])
    assert speller.char_nats("ñ") > speller.char_nats("o")
    assert math.isfinite(speller.nats("\U0001F600"))  # an emoji never seen in train still has a price


def test_uniform_unseen_character_cost():
    assert unseen_char_nats(96) == pytest.approx(math.log(UNICODE - 96))


def test_fitting_on_nothing_is_refused():
    with pytest.raises(ValueError, match="at least one word"):
        Speller.fit([])
