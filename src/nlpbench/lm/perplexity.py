"""Scoring language models on held-out songs: loss, perplexity, bits per character.

One protocol for every Part A model: each song is scored alone, from a
fresh state given its start marker, on its text and its end marker; the
start marker is never scored. Perplexity is per token, so char, word and
subword models differ in unit. Bits per character divide the summed NLL by
the characters of the same raw text (`batching.eval_chars`), and word
models also pay for spelling each unknown word (`spelling.Speller`): that
open-vocabulary figure is the one that compares every model. The per-song
NLL is kept, so two models can be compared song by song (a paired bootstrap).

`evaluate_splits` is the one evaluation entry: a model kind only supplies a
`Scorer` (the recurrent LM's and the LLM's differ in how they reach the NLL).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import torch

from nlpbench.lm.batching import padded_songs, song_chars, songs_digest
from nlpbench.train import distributed

# Fixed, so scores do not depend on training settings: songs per forward pass
# (of similar lengths) and the window read with the state carried within a song.
EVAL_SONGS, EVAL_WINDOW = 32, 256


@torch.no_grad()
def song_nll(model, songs: list[torch.Tensor], ctx: distributed.Context, pad: int, batch: int = EVAL_SONGS,
             window: int = EVAL_WINDOW) -> torch.Tensor:
    """Summed NLL (nats) of each song's next tokens, every song from a fresh state: [len(songs)] float64.

    `model(x, hidden, keep=...)` gives normalised log-probabilities over the
    whole vocabulary (a full or an adaptive softmax alike), and each target's
    is read from them, so the bits per character are those of the model's
    exact distribution. Songs are batched by length (little padding); this
    rank scores every world-th of them and the vector is summed over ranks.
    """
    out = torch.zeros(len(songs), dtype=torch.float64)
    mine = sorted(range(len(songs)), key=lambda i: songs[i].numel())[ctx.rank::ctx.world]
    for b in range(0, len(mine), batch):
        idx = mine[b:b + batch]
        x, y, keep = (t.to(ctx.device) for t in padded_songs([songs[i] for i in idx], pad))
        per_song = torch.zeros(len(idx), dtype=torch.float64, device=ctx.device)
        hidden = None
        for t in range(0, x.size(1), window):
            cols = slice(t, t + window)
            logp, hidden = model(x[:, cols], hidden, keep=keep[:, cols])  # the whole distribution: exact
            nll = -logp.float().gather(1, y[:, cols][keep[:, cols]][:, None]).squeeze(1)
            per_song.index_add_(0, keep[:, cols].nonzero()[:, 0], nll.double())  # row-major, as keep selects
        out[idx] = per_song.cpu()
    return distributed.all_sum_tensor(out, ctx)


def bits_per_char(nll_nats: float, chars: int) -> float:
    """Summed NLL in nats over a text -> bits per character of that text."""
    return nll_nats / (chars * math.log(2))


def lm_metrics(nll: float, tokens: int, chars: int, spelling: float = 0.0) -> dict:
    """loss and ppl in the model's own unit; bits per char open-vocabulary (`bpc`) and with `<unk>` free.

    `spelling` is the cost (nats) of spelling out the unknown tokens the
    model scored as `<unk>`; `bpc_unk` leaves it out, which flatters word models.
    """
    loss = nll / max(tokens, 1)
    return {"loss": loss, "ppl": math.exp(min(loss, 50.0)), "bpc": bits_per_char(nll + spelling, chars),
            "bpc_unk": bits_per_char(nll, chars), "tokens": tokens, "chars": chars}


def split_scores(songs: list[str], nll: torch.Tensor, tokens: int, spelling: list[float] | None = None) -> dict:
    """A split's eval.json block: lm_metrics plus each song's open-vocabulary NLL and characters.

    `per_song.nll_nats[i]` is song i's NLL with its unknown tokens spelt out,
    so sum(nll_nats) / (sum(chars) ln 2) is `bpc`; `digest` names the songs,
    so per-song scores of two models pair up only over the same split.
    """
    spelling = spelling or [0.0] * len(songs)
    chars = song_chars(songs)
    nll = nll.tolist()
    return {**lm_metrics(sum(nll), tokens, sum(chars), sum(spelling)),
            "per_song": {"digest": songs_digest(songs), "chars": chars,
                         "nll_nats": [a + b for a, b in zip(nll, spelling)]}}


@dataclass
class SongScores:
    """What a model kind reports for a list of songs; `evaluate_splits` turns it into metrics."""

    nll: torch.Tensor              # [songs] summed NLL (nats) of the model's own tokens
    tokens: int                    # tokens scored, the unit of the model's perplexity
    spelling: list[float] | None = None  # per song, nats to spell out tokens scored as <unk>
    oov_tokens: int = 0
    oov_rate: float | None = None  # None: the model has no out-of-vocabulary tokens


class Scorer(Protocol):
    unit: str                      # the perplexity's token: "char", "word" or "token"
    oov_counting: str | None       # how unknown tokens are paid for, for eval.json

    def score(self, songs: list[str]) -> SongScores: ...


def evaluate_splits(scorer: Scorer, splits: dict[str, list[str]]) -> dict:
    """Per held-out split: loss, PPL, open-vocabulary and `<unk>` bits per char, OOV rate, per-song NLL."""
    out = {}
    for name, songs in splits.items():
        s = scorer.score(songs)
        out[name] = {**split_scores(songs, s.nll, s.tokens, s.spelling), "oov_tokens": s.oov_tokens,
                     "oov_rate": s.oov_rate}
    return out
