"""The one sampler every generator uses: temperature, top-k, top-p, seeded.

It only sees a step function `(input ids [B, T], state) -> (logits [B, T, V],
new state)`, so a character/word RNN (state = hidden tensors) and a Hugging
Face causal LM (state = past_key_values) are sampled by the same code, and a
comparison between them cannot be an artefact of two samplers.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import torch
from torch import Tensor

from nlpbench.lm import genmetrics

GREEDY_BELOW = 1e-5  # temperatures this small mean argmax, not a division by ~0
# Rounding slack for top-p: a prefix whose mass is top_p up to float error counts as reaching it,
# so probabilities .5/.3/... with top_p=.5 keep one token whether softmax gives .5 or .49999997.
_TOP_P_SLACK = 1e-6

StepFn = Callable[[Tensor, Any], tuple[Tensor, Any]]
MIN_SONG_TOKENS = 8  # an undertrained model may close a song at once; a sample needs some content
GRID_STATS = ("distinct_1", "distinct_2", "distinct_3", "repetition_4gram", "copy_rate", "mean_nll")


class SongCodec(Protocol):
    """What a generator tells the sampler about songs; the rest of sampling is shared.

    `level` is the unit the copy check counts in ("char" or "word"); `stop`
    ends a song whose end marker is text rather than the single `end_id`.
    """

    level: str
    end_id: int | None

    def context_ids(self, prompt: str) -> list[int]: ...        # where a song starts (+ the prompt's lines)
    def prompt_text(self, prompt: str) -> str: ...              # the prompt as the song shows it
    def written(self, ids: list[int]) -> str: ...               # generated ids as song text
    def stop(self, ids: list[int]) -> bool: ...


@dataclass(frozen=True)
class Decoding:
    temperature: float = 1.0  # > 0; below GREEDY_BELOW means greedy (argmax)
    top_k: int = 0            # 0 = off
    top_p: float = 1.0        # 1.0 = off; nucleus sampling

    def __post_init__(self):
        if not self.temperature > 0:
            raise ValueError(f"Decoding.temperature must be > 0 (tiny means greedy), got {self.temperature!r}")
        if isinstance(self.top_k, bool) or not isinstance(self.top_k, numbers.Integral) or self.top_k < 0:
            raise ValueError(f"Decoding.top_k must be an integer >= 0 (0 = off), got {self.top_k!r}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"Decoding.top_p must be in (0, 1] (1 = off), got {self.top_p!r}")

    @property
    def greedy(self) -> bool:
        return self.temperature < GREEDY_BELOW


def filter_logits(logits: Tensor, top_k: int = 0, top_p: float = 1.0) -> Tensor:
    """logits [..., V] -> same shape with removed tokens set to -inf.

    Top-k first, then top-p on what is left (the order Hugging Face uses).
    """
    if top_k > 0 and top_k < logits.shape[-1]:
        logits = _keep_top_k(logits, top_k)
    if top_p < 1.0:
        logits = _keep_top_p(logits, top_p)
    return logits


def _keep_top_k(logits: Tensor, k: int) -> Tensor:
    """Exactly k tokens survive, ties broken by torch.topk, not by a >= threshold."""
    keep = torch.zeros_like(logits, dtype=torch.bool)
    keep.scatter_(-1, logits.topk(k, dim=-1).indices, True)
    return logits.masked_fill(~keep, float("-inf"))


def _keep_top_p(logits: Tensor, p: float) -> Tensor:
    """The smallest most-likely set with mass >= p: a token goes only when the
    more likely ones before it already reach p, so the one crossing p stays,
    and so does the most likely token (nothing comes before it)."""
    sorted_logits, order = logits.sort(dim=-1, descending=True, stable=True)
    probs = sorted_logits.float().softmax(dim=-1)
    mass_before = probs.cumsum(dim=-1) - probs
    drop_sorted = mass_before >= p - _TOP_P_SLACK
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def next_token(logits: Tensor, decoding: Decoding, generator: torch.Generator | None = None) -> Tensor:
    """logits [B, V] -> token ids [B] (long). Greedy when temperature < 1e-5."""
    if decoding.greedy:
        return logits.argmax(dim=-1)
    scaled = logits.float() / decoding.temperature  # float: half-precision softmax loses the tail
    probs = filter_logits(scaled, decoding.top_k, decoding.top_p).softmax(dim=-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


@torch.no_grad()
def generate(step: StepFn, prompt_ids: list[int], max_new_tokens: int, decoding: Decoding, *,
             end_id: int | None = None, state: Any = None, generator: torch.Generator | None = None,
             device: str | torch.device = "cpu", min_new_tokens: int = 0,
             stop: Callable[[list[int]], bool] | None = None) -> tuple[list[int], bool, list[float]]:
    """Autoregressive sampling for ONE sequence.

    Feeds the whole prompt once, then only each new token with the carried
    state, so RNN hidden states and HF past_key_values work alike. Stops at
    `end_id` (included in the output) or after `max_new_tokens`; the last
    token is never fed, so there are exactly len(new tokens) step calls.

    Returns (new token ids, ended with end_id, log-probability of each chosen
    token under the raw model distribution, i.e. before temperature and
    filtering, so the mean NLL of samples is comparable across decodings).
    `end_id` cannot be drawn before `min_new_tokens` (no empty songs).

    `stop(new tokens so far)` ends the sequence too (ended is True), for an
    end that is text rather than one token, such as an LLM writing
    `<|endsong|>` in several pieces; like `end_id`, not before `min_new_tokens`.
    """
    if not prompt_ids:
        raise ValueError("generate needs a non-empty prompt (e.g. a start-of-text token) to condition on")
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    inputs = torch.tensor([prompt_ids], dtype=torch.long, device=device)
    tokens: list[int] = []
    logprobs: list[float] = []
    for _ in range(max_new_tokens):
        logits, state = step(inputs, state)
        last = logits[:, -1, :]
        allowed = last
        if end_id is not None and len(tokens) < min_new_tokens:
            allowed = last.clone()
            allowed[:, end_id] = float("-inf")
        token = next_token(allowed, decoding, generator)
        logprobs.append(last.float().log_softmax(dim=-1).gather(-1, token[:, None]).item())
        tokens.append(int(token.item()))
        if tokens[-1] == end_id or (stop is not None and len(tokens) >= min_new_tokens and stop(tokens)):
            return tokens, True, logprobs
        inputs = token.view(1, 1)
    return tokens, False, logprobs


@torch.no_grad()
def sample_songs(step: StepFn, codec: SongCodec, decoding: Decoding, num: int, max_tokens: int, seed: int,
                 prompts: list[str] = (), device="cpu", checker: genmetrics.CopyChecker | None = None) -> list[dict]:
    """`num` songs from the codec's start (+ prompt) to its end or `max_tokens`, each scored.

    Seeded by its own generator (the global RNG stays untouched); metrics are
    computed on what the model wrote, never on the prompt it was given.
    """
    gen = torch.Generator(device=device).manual_seed(seed)
    out = []
    for i in range(num):
        prompt = prompts[i % len(prompts)] if prompts else ""
        t0 = time.perf_counter()
        ids, ended, logprobs = generate(step, codec.context_ids(prompt), max_tokens, decoding, end_id=codec.end_id,
                                        generator=gen, device=device, min_new_tokens=MIN_SONG_TOKENS,
                                        stop=codec.stop)
        seconds = time.perf_counter() - t0
        written = codec.written(ids)
        record = {"index": i, "prompt": prompt, "text": codec.prompt_text(prompt) + written, "tokens": len(ids),
                  "seconds": seconds, "ended": ended, "temperature": decoding.temperature,
                  "top_k": decoding.top_k, "top_p": decoding.top_p, "seed": seed,
                  "mean_nll": -sum(logprobs) / max(1, len(logprobs))}
        record.update(genmetrics.sample_metrics(
            written, copy_words=checker if codec.level == "word" else None,
            copy_chars=checker if codec.level == "char" else None, level=codec.level))
        out.append(record)
    return out


def decoding_grid(step: StepFn, codec: SongCodec, temperatures, top_ps, top_ks, samples: int, max_tokens: int,
                  seed: int, checker=None, device="cpu") -> list[dict]:
    """One row per temperature x top-p x top-k: diversity, repetition, copy rate, NLL of the samples."""
    rows = []
    for t in temperatures:
        for p in top_ps:
            for k in top_ks:
                songs = sample_songs(step, codec, Decoding(t, k, p), samples, max_tokens, seed,
                                     device=device, checker=checker)
                row = {"temperature": t, "top_p": p, "top_k": k, "samples": len(songs)}
                for key in GRID_STATS:
                    vals = [s[key] for s in songs if s[key] is not None]
                    row[key] = sum(vals) / len(vals) if vals else None
                row["mean_tokens"] = sum(s["tokens"] for s in songs) / len(songs)
                rows.append(row)
    return rows
