"""One vocabulary and tokenizer for both parts: char or word tokens, ids built from a train split only.

Word tokens are words, single punctuation marks and newlines, so a song keeps
its lines and a review its sentences. Ids follow the specials in order of train
frequency, most frequent first (ties alphabetical), so every run gets the same
and an adaptive softmax can cut the vocabulary into frequency bands by id.
A vocab.json written before that order (alphabetical) still loads as written:
its ids are the ones its model was trained on.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from nlpbench.core.io import write_json
from nlpbench.data.lyrics import END, START

PAD, UNK = "<pad>", "<unk>"
SPECIALS = [PAD, UNK, START, END]
# Words, single punctuation marks and newlines; spaces are implied between words.
_WORD_TOKEN = re.compile(r"\n|\w+|[^\w\s]")
_NO_SPACE_BEFORE = set(".,;:!?)]}»”…'")
_NO_SPACE_AFTER = set("¡¿([{«“'")


def tokenize(text: str, level: str) -> list[str]:
    if level == "char":
        return list(text)
    if level == "word":
        return _WORD_TOKEN.findall(text)
    raise ValueError(f"unknown level {level!r} (char or word)")


def detokenize(tokens: list[str], level: str) -> str:
    """Inverse of tokenize: exact for chars, readable spacing for words."""
    if level == "char":
        return "".join(tokens)
    out = ""
    for tok in tokens:
        glue = (not out or out[-1] == "\n" or tok == "\n" or tok[0] in _NO_SPACE_BEFORE
                or out[-1] in _NO_SPACE_AFTER)
        out += tok if glue else " " + tok
    return out


class Vocab:
    """Token <-> id, built from the training split only."""

    def __init__(self, itos: list[str], level: str, min_freq: int = 1):
        self.itos, self.level, self.min_freq = list(itos), level, min_freq
        self.stoi = {tok: i for i, tok in enumerate(self.itos)}
        self.unk, self.pad = self.stoi[UNK], self.stoi[PAD]
        self.start, self.end = self.stoi[START], self.stoi[END]

    @classmethod
    def build(cls, songs: list[str], level: str, min_freq: int = 1) -> "Vocab":
        return cls.from_tokens((tokenize(song, level) for song in songs), level, min_freq)

    @classmethod
    def from_tokens(cls, token_lists, level: str, min_freq: int = 1) -> "Vocab":
        counts = Counter(tok for tokens in token_lists for tok in tokens)
        kept = sorted((tok for tok, n in counts.items() if n >= min_freq), key=lambda tok: (-counts[tok], tok))
        return cls(SPECIALS + kept, level, min_freq)

    def ids(self, tokens: list[str]) -> list[int]:
        return [self.stoi.get(t, self.unk) for t in tokens]

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, song: str) -> list[int]:
        """A whole song with its markers: [START] tokens [END]."""
        return [self.start, *self.ids(tokenize(song, self.level)), self.end]

    def decode(self, ids, skip_specials: bool = True) -> str:
        specials = {self.pad, self.start, self.end} if skip_specials else set()
        return detokenize([self.itos[i] for i in ids if i not in specials], self.level)

    def to_json(self, path: str | Path) -> None:
        write_json(path, {"level": self.level, "min_freq": self.min_freq, "itos": self.itos})

    @classmethod
    def from_json(cls, path: str | Path) -> "Vocab":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data["itos"], data["level"], data.get("min_freq", 1))
