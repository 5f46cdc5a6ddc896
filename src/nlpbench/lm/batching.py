"""Songs for the recurrent language models: song streams, batches, per-song fingerprints.

Songs are tokenized once into tensors. Every song is trained on, scored and
sampled from a fresh state, starting at its start marker: in training each
batch row reads its songs one after another, each song starting at a BPTT
window boundary where the row's state is reset. Newlines are tokens at both
levels, so generated songs keep their lines and stanzas.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
from pathlib import Path

import torch

from nlpbench.data.vocab import Vocab, tokenize


def oov_tokens(song: str, vocab: Vocab) -> list[str]:
    """The tokens of `song` missing from the vocabulary (each scored as <unk> by the model)."""
    return [t for t in tokenize(song, vocab.level) if t not in vocab.stoi]


def oov_stats(songs: list[str], vocab: Vocab) -> dict:
    """Tokens of `songs` missing from the vocabulary, and their share of all tokens."""
    tokens = sum(len(tokenize(song, vocab.level)) for song in songs)
    oov = sum(len(oov_tokens(song, vocab)) for song in songs)
    return {"tokens": tokens, "oov_tokens": oov, "oov_rate": oov / max(1, tokens)}


def eval_chars(songs: list[str]) -> int:
    """Characters a model must account for: each song's text plus one for its end.

    The same denominator serves char, word and subword models, so their bits
    per character compare.
    """
    return sum(song_chars(songs))


def song_chars(songs: list[str]) -> list[int]:
    """eval_chars of each song: per-song scores add up to the split's."""
    return [len(song) + 1 for song in songs]


def songs_digest(songs: list[str]) -> str:
    """A fingerprint of a split's songs in order: per-song scores of two models pair up only when equal."""
    return hashlib.sha1(json.dumps(songs, ensure_ascii=False).encode("utf-8")).hexdigest()


def encode_songs(songs: list[str], vocab: Vocab) -> list[torch.Tensor]:
    return [torch.tensor(vocab.encode(s), dtype=torch.long) for s in songs]


def epoch_order(n: int, seed: int, epoch: int) -> list[int]:
    """A seeded shuffle of n items for one epoch: the same on every run and every rank."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1000 + epoch)).tolist()


def windows(song: torch.Tensor, seq_len: int) -> int:
    """BPTT windows a song needs: its len - 1 next-token predictions, `seq_len` at a time."""
    return max(1, math.ceil((song.numel() - 1) / seq_len))


def song_lanes(songs: list[torch.Tensor], seq_len: int, lanes: int, seed: int, epoch: int) -> list[list[int]]:
    """Song indices for each of `lanes` batch rows, which read their songs one after another.

    Every song starts at a window boundary, where its row's state is reset,
    so each song trains from its start marker with no state from another.
    Songs go to the least-loaded row, most windows first, ties in a seeded
    order (LPT scheduling): the rows' loads, and so the steps of an epoch,
    are the same in every epoch, while which songs share a row, and their
    order in it, change from epoch to epoch.
    """
    gen = torch.Generator().manual_seed(seed * 1000 + epoch)
    tie = torch.randperm(len(songs), generator=gen).tolist()
    need = [windows(s, seq_len) for s in songs]
    loads = [(0, r) for r in range(lanes)]
    rows: list[list[int]] = [[] for _ in range(lanes)]
    for i in sorted(range(len(songs)), key=lambda i: (-need[i], tie[i])):
        load, r = heapq.heappop(loads)
        rows[r].append(i)
        heapq.heappush(loads, (load + need[i], r))
    return [[row[j] for j in torch.randperm(len(row), generator=gen).tolist()] for row in rows]


def lane_tensors(songs: list[torch.Tensor], lanes: list[list[int]], seq_len: int,
                 pad: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs, targets, mask [rows, steps * seq_len] of the lanes, and where songs start [rows, steps].

    Each song fills whole windows (its last one padded), so a song start
    always falls on a window boundary.
    """
    steps = max(sum(windows(songs[i], seq_len) for i in row) for row in lanes)
    x = torch.full((len(lanes), steps * seq_len), pad, dtype=torch.long)
    y, keep = torch.full_like(x, pad), torch.zeros_like(x, dtype=torch.bool)
    starts = torch.ones((len(lanes), steps), dtype=torch.bool)  # an idle row is reset too: nothing carries
    for r, row in enumerate(lanes):
        w = 0
        for i in row:
            song, n = songs[i], songs[i].numel() - 1
            at = w * seq_len
            x[r, at:at + n], y[r, at:at + n], keep[r, at:at + n] = song[:-1], song[1:], True
            need = windows(song, seq_len)
            starts[r, w + 1:w + need] = False
            w += need
    return x, y, keep, starts


def padded_songs(songs: list[torch.Tensor], pad: int, width: int | None = None,
                 rows: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs, targets and mask [rows, width]: row i predicts song i's tokens after its start marker.

    Each song's start marker is an input, never a target; its end marker is
    a target. Positions past a song's end, and rows past the songs (to fill
    `rows`), are padding with mask False.
    """
    width = width or max(s.numel() - 1 for s in songs)
    rows = rows or len(songs)
    x = torch.full((rows, width), pad, dtype=torch.long)
    y = torch.full((rows, width), pad, dtype=torch.long)
    keep = torch.zeros((rows, width), dtype=torch.bool)
    for i, song in enumerate(songs):
        n = song.numel() - 1
        x[i, :n], y[i, :n], keep[i, :n] = song[:-1], song[1:], True
    return x, y, keep


def read_songs(path: str | Path) -> list[str]:
    from nlpbench.core.io import read_text
    from nlpbench.data.lyrics import read_corpus
    return read_corpus(read_text(path)[0], str(path))
