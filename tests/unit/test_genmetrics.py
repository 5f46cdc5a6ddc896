import pickle

import pytest

from nlpbench.lm.genmetrics import (
    COPY_N,
    CopyChecker,
    copy_checker,
    distinct_n,
    ngrams,
    repetition_rate,
    sample_metrics,
    word_tokens,
)

TRAIN_WORDS = [f"w{i}" for i in range(30)]
NOVEL_WORDS = [f"new{i}" for i in range(30)]


# --- n-grams, diversity, repetition ---------------------------------------------

def test_ngrams_are_consecutive_runs_in_order():
    assert ngrams(["a", "b", "c", "d"], 2) == [("a", "b"), ("b", "c"), ("c", "d")]
    assert ngrams("abc", 3) == [("a", "b", "c")]
    assert ngrams([1, 2], 3) == []
    with pytest.raises(ValueError):
        ngrams([1, 2], 0)


def test_distinct_n_on_hand_counted_tokens():
    tokens = ["a", "b", "a", "b"]
    assert distinct_n(tokens, 1) == 2 / 4
    assert distinct_n(tokens, 2) == 2 / 3   # ab ba ab
    assert distinct_n(tokens, 4) == 1.0
    assert distinct_n(["a", "b", "c"], 1) == 1.0


def test_repetition_rate_counts_ngrams_seen_earlier_in_the_text():
    looping = list("abcdabcda")  # abcd bcda cdab dabc abcd bcda: 2 of 6 repeat
    assert repetition_rate(looping, 4) == pytest.approx(2 / 6)
    assert repetition_rate(["x"] * 5, 1) == pytest.approx(4 / 5)
    assert repetition_rate(list("abcdefg")) == 0.0


@pytest.mark.parametrize("tokens", [[], ["a"], ["a", "b", "c"]])
def test_too_short_texts_give_zero_not_an_error(tokens):
    assert distinct_n(tokens, 4) == 0.0
    assert repetition_rate(tokens, 4) == 0.0


def test_word_tokens_are_lowercased_unicode_words():
    assert word_tokens("¡Hola, MUNDO! Canción nº2 —\nya_sé") == ["hola", "mundo", "canción", "nº2", "ya_sé"]
    assert word_tokens("") == []


# --- copy checker ---------------------------------------------------------------

def test_copied_text_rates_one_and_novel_text_zero():
    checker = CopyChecker(TRAIN_WORDS, 3)
    assert checker.rate(TRAIN_WORDS[5:20]) == 1.0
    assert checker.rate(NOVEL_WORDS[:15]) == 0.0
    # Same words in a new order are not copying.
    assert checker.rate(TRAIN_WORDS[10:0:-1]) == 0.0


def test_partly_copied_text_rates_the_share_of_copied_ngrams():
    checker = CopyChecker(TRAIN_WORDS, 3)
    # 18 trigrams: 8 inside the copied part, 2 across the seam, 8 inside the novel part.
    assert checker.rate(TRAIN_WORDS[:10] + NOVEL_WORDS[:10]) == pytest.approx(8 / 18)
    # Two copied halves glued from different places: only the seam trigrams are new.
    assert checker.rate(TRAIN_WORDS[:6] + TRAIN_WORDS[20:26]) == pytest.approx(8 / 10)


def test_char_checker_uses_20_grams_of_the_raw_text():
    train = "En un lugar de la Mancha, de cuyo nombre no quiero acordarme, no ha mucho tiempo."
    checker = copy_checker(train, "char")
    assert checker.n == COPY_N["char"] == 20
    assert checker.rate(train[3:23]) == 1.0          # one 20-gram, copied
    assert checker.rate(train[3:22]) == 0.0          # 19 characters: no 20-gram at all
    assert checker.rate(train[3:23].lower()) == 0.0  # raw text: case counts
    excerpt = train[:39]                             # 20 grams
    assert checker.rate("X" + excerpt[1:]) == pytest.approx(19 / 20)
    assert checker.rate(excerpt[:19] + "X" + excerpt[20:]) == 0.0  # position 19 is in every gram
    assert checker.rate(list(excerpt)) == checker.rate(excerpt) == 1.0  # a list of characters = the string


def test_word_checker_uses_8_grams_of_lowercased_words():
    train = " ".join(TRAIN_WORDS)
    checker = copy_checker(train, "word")
    assert checker.n == COPY_N["word"] == 8
    assert checker.rate(word_tokens(" ".join(TRAIN_WORDS[3:11]).upper())) == 1.0
    assert checker.rate(TRAIN_WORDS[3:10]) == 0.0  # 7 words: no 8-gram


def test_empty_or_short_inputs_rate_zero_not_an_error():
    assert CopyChecker([], 3).rate(TRAIN_WORDS) == 0.0
    assert CopyChecker("", 20).rate("anything at all, long enough for a gram") == 0.0
    checker = CopyChecker(TRAIN_WORDS, 3)
    assert checker.rate([]) == 0.0
    assert checker.rate(TRAIN_WORDS[:2]) == 0.0
    with pytest.raises(ValueError):
        copy_checker("text", "sentence")


def test_checker_refuses_pickling_because_its_hashes_are_per_process():
    with pytest.raises(TypeError, match="per-process"):
        pickle.dumps(CopyChecker(TRAIN_WORDS, 3))


# --- sample_metrics -------------------------------------------------------------

def test_sample_metrics_word_level():
    train = " ".join(TRAIN_WORDS)
    text = " ".join(TRAIN_WORDS[:9]) + ", " + " ".join(NOVEL_WORDS[:9]).upper()  # 18 words, 11 8-grams
    metrics = sample_metrics(text, copy_words=copy_checker(train, "word"), level="word")
    assert metrics == {
        "distinct_1": 1.0, "distinct_2": 1.0, "distinct_3": 1.0, "repetition_4gram": 0.0,
        "copy_rate": pytest.approx(2 / 11), "copy_unit": "word 8-gram",
    }


def test_sample_metrics_diversity_is_on_words_and_char_copy_on_characters():
    train = "la la la la la la la la la la la la"
    metrics = sample_metrics("La la LA la la la", copy_chars=copy_checker(train, "char"), level="char")
    assert metrics["distinct_1"] == pytest.approx(1 / 6)
    assert metrics["distinct_2"] == pytest.approx(1 / 5)
    assert metrics["repetition_4gram"] == pytest.approx(2 / 3)
    assert metrics["copy_unit"] == "char 20-gram"
    assert metrics["copy_rate"] == 0.0  # 17 characters: no 20-gram
    long = sample_metrics("la la la la la la la la", copy_chars=copy_checker(train, "char"), level="char")
    assert long["copy_rate"] == 1.0


def test_sample_metrics_without_the_needed_checker_has_no_copy_rate():
    words = copy_checker(" ".join(TRAIN_WORDS), "word")
    assert sample_metrics("w1 w2", level="word")["copy_rate"] is None
    assert sample_metrics("w1 w2", copy_words=words, level="char")["copy_rate"] is None
    assert sample_metrics("", level="word") == {
        "distinct_1": 0.0, "distinct_2": 0.0, "distinct_3": 0.0, "repetition_4gram": 0.0,
        "copy_rate": None, "copy_unit": "word 8-gram",
    }
    with pytest.raises(ValueError, match="level"):
        sample_metrics("w1", level="sentence")
