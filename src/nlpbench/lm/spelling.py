"""What an out-of-vocabulary token costs, so every language model pays for every character.

A word model that meets a word missing from its vocabulary predicts `<unk>`,
one token standing for every unknown word at once: its bits per character
then leave the spelling of that word unpaid. To compare it with models that
spell everything (characters, bytes), the unknown word is spelt out by a
`Speller`: a normalised distribution over strings fitted on the train split
only. Characters are drawn independently from the train words' character
frequencies, a word ends with an end-of-word symbol, and a character never
seen in train is reached through an escape symbol and then picked uniformly
among the Unicode code points train did not use (Witten-Bell gives the escape
its mass). The resulting code length is that of a proper open-vocabulary
model: P(word) = P(<unk>) x P_spell(word), which can overstate what the word
model needs but never flatters it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

UNICODE = 0x110000  # code points a character can be


def unseen_char_nats(seen: int, universe: int = UNICODE) -> float:
    """-ln P of one character chosen uniformly among the `universe - seen` that train never showed."""
    return math.log(universe - seen)


class Speller:
    """A unigram character model with an end-of-word symbol and an escape, over the train split's words.

    With n(c) the count of character c over the fitted words, W the number of
    words (one end-of-word each), N = sum n(c) + W and T the number of distinct
    symbols seen (characters, plus the end-of-word symbol):
    P(c) = n(c) / (N + T), P(end) = W / (N + T), P(escape) = T / (N + T),
    and an unseen character costs the escape plus a uniform pick among the
    code points train did not use. The symbol probabilities sum to 1, so the
    word probabilities sum to at most 1 over all strings.
    """

    def __init__(self, char_counts: dict[str, int], words: int, universe: int = UNICODE):
        if words < 1:
            raise ValueError("a Speller needs at least one word to fit")
        self.counts, self.words, self.universe = dict(char_counts), words, universe
        symbols = len(self.counts) + 1  # the end-of-word symbol was seen too
        self._denominator = sum(self.counts.values()) + words + symbols
        self._escape = symbols / self._denominator

    @classmethod
    def fit(cls, words: Iterable[str], universe: int = UNICODE) -> "Speller":
        """From word types (each distinct word once: unknown words look like rare types, not like 'de')."""
        types = set(words)
        return cls(Counter(c for w in types for c in w), len(types), universe)

    def char_nats(self, char: str) -> float:
        if char in self.counts:
            return -math.log(self.counts[char] / self._denominator)
        return -math.log(self._escape) + unseen_char_nats(len(self.counts), self.universe)

    def end_nats(self) -> float:
        return -math.log(self.words / self._denominator)

    def nats(self, word: str) -> float:
        """-ln P_spell(word): its characters, then the end of the word."""
        return sum(self.char_nats(c) for c in word) + self.end_nats()

    def symbol_probabilities(self) -> dict[str, float]:
        """Seen characters, '<end>' and '<escape>' (the mass of every unseen character together)."""
        probs = {c: n / self._denominator for c, n in self.counts.items()}
        return {**probs, "<end>": self.words / self._denominator, "<escape>": self._escape}

    def to_json(self) -> dict:
        return {"char_counts": self.counts, "words": self.words, "universe": self.universe}
