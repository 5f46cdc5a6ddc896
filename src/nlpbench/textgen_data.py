"""Tokens for the recurrent language models: vocabularies, song streams, batches.

Songs are tokenized once into tensors; an epoch concatenates them (in a
seeded order) into one stream that truncated BPTT walks through. Newlines are
tokens at both levels, so generated songs keep their lines and stanzas.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path

import torch

from .errors import InputError
from .lyrics import END, START

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
        kept = sorted(tok for tok, n in counts.items() if n >= min_freq)  # sorted: same ids every run
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
        from .io import write_json
        write_json(path, {"level": self.level, "min_freq": self.min_freq, "itos": self.itos})

    @classmethod
    def from_json(cls, path: str | Path) -> "Vocab":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data["itos"], data["level"], data.get("min_freq", 1))


def oov_stats(songs: list[str], vocab: Vocab) -> dict:
    """Tokens of `songs` missing from the vocabulary, and their characters (for bpc)."""
    tokens = [t for song in songs for t in tokenize(song, vocab.level)]
    oov = [t for t in tokens if t not in vocab.stoi]
    return {"tokens": len(tokens), "oov_tokens": len(oov), "oov_chars": sum(len(t) for t in oov),
            "oov_rate": len(oov) / max(1, len(tokens))}


def eval_chars(songs: list[str]) -> int:
    """Characters a model must account for: each song's text plus one for its end.

    The same denominator serves char, word and subword models, so their bits
    per character compare.
    """
    return sum(len(song) + 1 for song in songs)


def encode_songs(songs: list[str], vocab: Vocab) -> list[torch.Tensor]:
    return [torch.tensor(vocab.encode(s), dtype=torch.long) for s in songs]


def epoch_stream(songs: list[torch.Tensor], seed: int, epoch: int | None) -> torch.Tensor:
    """Songs concatenated; in a seeded shuffled order per epoch (None keeps order)."""
    if epoch is None:
        return torch.cat(songs)
    gen = torch.Generator().manual_seed(seed * 1000 + epoch)
    return torch.cat([songs[i] for i in torch.randperm(len(songs), generator=gen).tolist()])


def batchify(stream: torch.Tensor, batch: int) -> torch.Tensor:
    """[N] -> [batch, N // batch]: `batch` contiguous streams, the remainder dropped."""
    length = stream.numel() // batch
    if length < 2:
        raise InputError("textgen.train.batch_size", f"{batch} streams leave {length} token(s) each "
                         f"from {stream.numel()} training tokens",
                         "lower textgen.train.batch_size or provide more training text.")
    return stream[: batch * length].view(batch, length)


def padded_pairs(stream: torch.Tensor, batch: int, pad: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs, targets and mask [batch, L] covering every next-token prediction of the stream once."""
    x, y = stream[:-1], stream[1:]
    length = math.ceil(x.numel() / batch)
    extra = batch * length - x.numel()
    mask = torch.cat([torch.ones_like(x, dtype=torch.bool), torch.zeros(extra, dtype=torch.bool)])
    x = torch.cat([x, x.new_full((extra,), pad)])
    y = torch.cat([y, y.new_full((extra,), pad)])
    return x.view(batch, length), y.view(batch, length), mask.view(batch, length)


def read_songs(path: str | Path) -> list[str]:
    from .io import read_text
    from .lyrics import read_corpus
    return read_corpus(read_text(path)[0], str(path))
