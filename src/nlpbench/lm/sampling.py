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


def filter_logits(logits: Tensor, top_k: int | Tensor = 0, top_p: float | Tensor = 1.0) -> Tensor:
    """logits [..., V] -> same shape with removed tokens set to -inf.

    Top-k first, then top-p on what is left (the order Hugging Face uses).
    `top_k` and `top_p` are one value for every row, or tensors of per-row
    values shaped like logits[..., 0] (a batch of songs, each with its own
    decoding).
    """
    if not isinstance(top_k, Tensor) and not isinstance(top_p, Tensor) \
            and not (0 < top_k < logits.shape[-1]) and top_p >= 1.0:
        return logits
    sorted_logits, order = logits.sort(dim=-1, descending=True, stable=True)
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, order, _sorted_keep(sorted_logits, top_k, top_p))
    return logits.masked_fill(~keep, float("-inf"))


def _sorted_keep(sorted_logits: Tensor, top_k, top_p) -> Tensor:
    """Which of the logits sorted in descending order survive top-k, then top-p on the rest.

    Top-k keeps exactly k (ties broken by the stable sort, not by a >=
    threshold). Top-p keeps the smallest most-likely set with mass >= p: a
    token goes only when the more likely ones before it already reach p, so
    the one crossing p stays, and so does the most likely token. k = 0 and
    p = 1 are off, per row.
    """
    vocab, device = sorted_logits.shape[-1], sorted_logits.device
    k = torch.as_tensor(top_k, device=device)
    keep = torch.arange(vocab, device=device) < torch.where(k > 0, k, vocab)[..., None]
    probs = sorted_logits.masked_fill(~keep, float("-inf")).float().softmax(dim=-1)
    mass_before = probs.cumsum(dim=-1) - probs
    p = torch.as_tensor(top_p, dtype=torch.float32, device=device)
    limit = torch.where(p < 1.0, p - _TOP_P_SLACK, float("inf"))  # p = 1: off, even where the tail rounds to 1
    return keep & (mass_before < limit[..., None])


@dataclass(frozen=True)
class _Group:
    """Rows of a batch that filter alike: `width` = how many of the most likely tokens can survive
    (the largest top-k of the rows; 0: no filter; -1: top-p alone, which needs the full sort)."""

    rows: Tensor | slice
    top_k: Tensor
    top_p: Tensor
    width: int


@dataclass(frozen=True)
class _Rows:
    """Per-row decoding of a batch as tensors, built once per batch, so every song keeps its own setting."""

    temperature: Tensor  # [B, 1]; 1 on greedy rows, which take the argmax anyway
    greedy: Tensor       # [B] bool
    all_greedy: bool
    any_greedy: bool
    groups: tuple[_Group, ...]

    @classmethod
    def of(cls, decodings, device) -> _Rows:
        greedy = [d.greedy for d in decodings]
        kinds: dict[int, list[int]] = {}  # top-k rows share one topk call: a sort of the whole vocabulary costs ~30x
        for r, d in enumerate(decodings):
            kinds.setdefault(1 if d.top_k > 0 else -1 if d.top_p < 1.0 else 0, []).append(r)
        groups = []
        for kind, idx in kinds.items():
            ds = [decodings[r] for r in idx]
            groups.append(_Group(slice(None) if len(idx) == len(decodings) else torch.tensor(idx, device=device),
                                 torch.tensor([d.top_k for d in ds], device=device),
                                 torch.tensor([d.top_p for d in ds], device=device),
                                 max(d.top_k for d in ds) if kind == 1 else kind))
        return cls(torch.tensor([[1.0 if g else d.temperature] for d, g in zip(decodings, greedy)], device=device),
                   torch.tensor(greedy, device=device), all(greedy), any(greedy), tuple(groups))


def _draw(logits: Tensor, rows: _Rows, uniform: Tensor) -> Tensor:
    """logits [B, V] -> token ids [B]: each row tempered and filtered by its own decoding, then drawn by
    inverting its cumulative distribution at `uniform` [B] (exactly the filtered distribution)."""
    if rows.all_greedy:
        return logits.argmax(dim=-1)
    scaled = logits.float() / rows.temperature  # float: half-precision softmax loses the tail
    picked = torch.empty(logits.shape[0], dtype=torch.long, device=logits.device)
    for g in rows.groups:
        part, order = scaled[g.rows], None
        if g.width:  # the most likely tokens in order: only they can survive top-k, top-p on them
            part, order = (part.topk(min(g.width, part.shape[-1]), dim=-1) if g.width > 0
                           else part.sort(dim=-1, descending=True, stable=True))
            part = part.masked_fill(~_sorted_keep(part, g.top_k, g.top_p), float("-inf"))
        cdf = part.softmax(dim=-1).cumsum(dim=-1)
        at = torch.searchsorted(cdf, uniform[g.rows, None] * cdf[:, -1:], right=True).clamp_(max=cdf.shape[-1] - 1)
        picked[g.rows] = (at if order is None else order.gather(-1, at)).squeeze(-1)
    return torch.where(rows.greedy, logits.argmax(dim=-1), picked) if rows.any_greedy else picked


def _uniforms(generators: list, device) -> Callable[[], Tensor]:
    """One uniform per row per call, each run of rows that share a generator drawing from it in row order."""
    runs: list[list] = []
    for g in generators:
        if runs and runs[-1][0] is g:
            runs[-1][1] += 1
        else:
            runs.append([g, 1])
    return lambda: torch.cat([torch.rand(n, generator=g, device=device) for g, n in runs])


def next_token(logits: Tensor, decoding: Decoding | list[Decoding], generator: torch.Generator | None = None) -> Tensor:
    """logits [B, V] -> token ids [B] (long), with one decoding for all rows or one per row.
    Greedy where temperature < 1e-5."""
    decodings = [decoding] * logits.shape[0] if isinstance(decoding, Decoding) else list(decoding)
    uniform = torch.rand(logits.shape[0], generator=generator, device=logits.device)
    return _draw(logits, _Rows.of(decodings, logits.device), uniform)


class _Ends:
    """Where each row's sequence ended, found on the host from blocks of new tokens (one sync per block)."""

    def __init__(self, rows: int, end_id: int | None, stop, min_new_tokens: int):
        self.ids: list[list[int]] = [[] for _ in range(rows)]
        self.ended = [False] * rows
        self.end_id, self.stop, self.min_new_tokens = end_id, stop, min_new_tokens

    def scan(self, block: list[list[int]]) -> bool:
        """Append each unfinished row's new tokens up to its end; True once every row has ended."""
        for r, new in enumerate(block):
            ids = self.ids[r]
            for tok in new if not self.ended[r] else ():
                ids.append(tok)
                if tok == self.end_id or (self.stop is not None and len(ids) >= self.min_new_tokens
                                          and self.stop(ids)):
                    self.ended[r] = True
                    break
        return all(self.ended)


CHECK_EVERY = 8  # steps between looks at which songs ended: each look is one host sync; ended rows run on meanwhile


@torch.no_grad()
def generate_batch(step: StepFn, prompt_ids: list[int], decodings: list[Decoding], max_new_tokens: int, *,
                   generators: list[torch.Generator | None] | None = None, end_id: int | None = None,
                   state: Any = None, device: str | torch.device = "cpu", min_new_tokens: int = 0,
                   stop: Callable[[list[int]], bool] | None = None,
                   check_every: int = CHECK_EVERY) -> list[tuple[list[int], bool, list[float]]]:
    """Autoregressive sampling of len(decodings) sequences at once, all from the same prompt.

    Row r is drawn with decodings[r] and generators[r] (rows sharing a
    generator draw from it in row order; None: the global RNG). Feeds the
    prompt once for the whole batch, then each row's new token with the
    carried, batched state (RNN hidden states and HF past_key_values alike).
    Each row stops at `end_id` (included) or `stop(its new tokens)`, neither
    before `min_new_tokens`, or after `max_new_tokens`, while the others go
    on; ended rows are noticed every `check_every` steps (one host sync) and
    are computed on until then, their extra tokens dropped.

    Returns per row (new token ids, ended, log-probability of each chosen
    token under the raw model distribution, i.e. before temperature and
    filtering, so the mean NLL of samples is comparable across decodings).
    """
    if not prompt_ids:
        raise ValueError("generate needs a non-empty prompt (e.g. a start-of-text token) to condition on")
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    n = len(decodings)
    rows, uniforms = _Rows.of(decodings, device), _uniforms(generators or [None] * n, device)
    inputs = torch.tensor([prompt_ids], dtype=torch.long, device=device).repeat(n, 1)
    tokens = torch.zeros(n, max_new_tokens, dtype=torch.long, device=device)
    logprobs = torch.zeros(n, max_new_tokens, dtype=torch.float32, device=device)
    ends, seen = _Ends(n, end_id, stop, min_new_tokens), 0
    for t in range(max_new_tokens):
        logits, state = step(inputs, state)
        last = logits[:, -1, :]
        allowed = last
        if end_id is not None and t < min_new_tokens:  # the same step for every row: one mask for all
            allowed = last.clone()
            allowed[:, end_id] = float("-inf")
        token = _draw(allowed, rows, uniforms())
        tokens[:, t] = token
        logprobs[:, t] = last.float().log_softmax(dim=-1).gather(-1, token[:, None]).squeeze(-1)
        inputs = token[:, None]
        if (t + 1) % check_every == 0 or t + 1 == max_new_tokens:
            done = ends.scan(tokens[:, seen:t + 1].tolist())
            seen = t + 1
            if done:
                break
    lp = logprobs.tolist()
    return [(ids, ended, lp[r][:len(ids)]) for r, (ids, ended) in enumerate(zip(ends.ids, ends.ended))]


def generate(step: StepFn, prompt_ids: list[int], max_new_tokens: int, decoding: Decoding, *,
             end_id: int | None = None, state: Any = None, generator: torch.Generator | None = None,
             device: str | torch.device = "cpu", min_new_tokens: int = 0,
             stop: Callable[[list[int]], bool] | None = None) -> tuple[list[int], bool, list[float]]:
    """Autoregressive sampling for ONE sequence: `generate_batch` with one row."""
    return generate_batch(step, prompt_ids, [decoding], max_new_tokens, generators=[generator], end_id=end_id,
                          state=state, device=device, min_new_tokens=min_new_tokens, stop=stop)[0]


MAX_BATCH = 64  # songs drawn together at most: bounds an LLM's batched KV cache on a large grid


@dataclass(frozen=True)
class _Job:
    index: int
    prompt: str
    decoding: Decoding
    generator: torch.Generator


def sample_songs(step: StepFn, codec: SongCodec, decoding: Decoding, num: int, max_tokens: int, seed: int,
                 prompts: list[str] = (), device="cpu", checker: genmetrics.CopyChecker | None = None) -> list[dict]:
    """`num` songs from the codec's start (+ prompt) to its end or `max_tokens`, each scored.

    The songs are drawn together, one batch per distinct prompt, from one
    generator seeded with `seed` (the global RNG stays untouched): the same
    seed gives the same songs. They are not the songs the one-at-a-time
    sampler of earlier versions drew for that seed, since the batch consumes
    the random stream in another order. Metrics are computed on what the
    model wrote, never on the prompt it was given.
    """
    gen = torch.Generator(device=device).manual_seed(seed)
    jobs = [_Job(i, prompts[i % len(prompts)] if prompts else "", decoding, gen) for i in range(num)]
    return _sample(step, codec, jobs, max_tokens, seed, device, checker)


@torch.no_grad()
def _sample(step: StepFn, codec: SongCodec, jobs: list[_Job], max_tokens: int, seed: int, device,
            checker) -> list[dict]:
    """One record per job, in job order; jobs with the same prompt drawn in batches of MAX_BATCH.

    A song's `seconds` is its share of its batch's time (by tokens), so
    tokens over seconds summed over songs is the batch's throughput.
    """
    by_prompt: dict[str, list[int]] = {}
    for j, job in enumerate(jobs):
        by_prompt.setdefault(job.prompt, []).append(j)
    out: list[dict] = [{} for _ in jobs]
    for prompt, members in by_prompt.items():
        for b in range(0, len(members), MAX_BATCH):
            batch = [jobs[j] for j in members[b:b + MAX_BATCH]]
            t0 = time.perf_counter()
            drawn = generate_batch(step, codec.context_ids(prompt), [job.decoding for job in batch], max_tokens,
                                   generators=[job.generator for job in batch], end_id=codec.end_id, device=device,
                                   min_new_tokens=MIN_SONG_TOKENS, stop=codec.stop)
            seconds = time.perf_counter() - t0
            total = max(1, sum(len(ids) for ids, _, _ in drawn))
            for j, job, (ids, ended, logprobs) in zip(members[b:b + MAX_BATCH], batch, drawn):
                out[j] = _record(codec, job, ids, ended, logprobs, seconds * len(ids) / total, seed, checker)
    return out


def _record(codec: SongCodec, job: _Job, ids: list[int], ended: bool, logprobs: list[float], seconds: float,
            seed: int, checker) -> dict:
    written, decoding = codec.written(ids), job.decoding
    record = {"index": job.index, "prompt": job.prompt, "text": codec.prompt_text(job.prompt) + written,
              "tokens": len(ids), "seconds": seconds, "ended": ended, "temperature": decoding.temperature,
              "top_k": decoding.top_k, "top_p": decoding.top_p, "seed": seed,
              "mean_nll": -sum(logprobs) / max(1, len(logprobs))}
    record.update(genmetrics.sample_metrics(
        written, copy_words=checker if codec.level == "word" else None,
        copy_chars=checker if codec.level == "char" else None, level=codec.level))
    return record


def decoding_grid(step: StepFn, codec: SongCodec, temperatures, top_ps, top_ks, samples: int, max_tokens: int,
                  seed: int, checker=None, device="cpu") -> list[dict]:
    """One row per temperature x top-p x top-k: diversity, repetition, copy rate, NLL of the samples.

    Every setting's songs are drawn in one batch (per-row decodings), each
    setting from its own generator seeded with `seed`, so a setting's songs
    do not depend on the other settings of the grid.
    """
    settings = [Decoding(t, k, p) for t in temperatures for p in top_ps for k in top_ks]
    jobs = []
    for d in settings:
        gen = torch.Generator(device=device).manual_seed(seed)  # the setting's own, as if sampled alone
        jobs += [_Job(i, "", d, gen) for i in range(samples)]
    songs = _sample(step, codec, jobs, max_tokens, seed, device, checker)
    rows = []
    for s, d in enumerate(settings):
        mine = songs[s * samples:(s + 1) * samples]
        row = {"temperature": d.temperature, "top_p": d.top_p, "top_k": d.top_k, "samples": len(mine)}
        for key in GRID_STATS:
            vals = [x[key] for x in mine if x[key] is not None]
            row[key] = sum(vals) / len(vals) if vals else None
        row["mean_tokens"] = sum(x["tokens"] for x in mine) / len(mine)
        rows.append(row)
    return rows
