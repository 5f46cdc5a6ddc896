import math

import pytest
import torch

from nlpbench.lm.sampling import (
    Decoding,
    decoding_grid,
    filter_logits,
    generate,
    generate_batch,
    next_token,
    sample_songs,
)

# A hand-computed distribution, deliberately not in sorted order: index 1 .5, 3 .3, 0 .15, 2 .05.
PROBS = torch.tensor([0.15, 0.5, 0.05, 0.3])
LOGITS = PROBS.log()


def kept(logits: torch.Tensor) -> set[int]:
    return set(torch.isfinite(logits).nonzero().flatten().tolist())


def frequencies(tokens: torch.Tensor, vocab: int) -> torch.Tensor:
    return torch.bincount(tokens, minlength=vocab).float() / tokens.numel()


# --- filter_logits ------------------------------------------------------------

def test_top_k_keeps_exactly_the_k_largest_and_leaves_their_values():
    logits = torch.tensor([1.0, 5.0, 3.0, 2.0, 4.0])
    out = filter_logits(logits, top_k=2)
    assert kept(out) == {1, 4}
    assert out[[1, 4]].tolist() == [5.0, 4.0]
    assert out.shape == logits.shape


def test_top_k_with_ties_keeps_exactly_k_not_everything_at_the_threshold():
    assert len(kept(filter_logits(torch.tensor([3.0, 3.0, 3.0, 1.0]), top_k=2))) == 2


@pytest.mark.parametrize("k", [0, 5, 50])
def test_top_k_off_or_not_smaller_than_vocab_changes_nothing(k):
    logits = torch.tensor([1.0, 5.0, 3.0, 2.0, 4.0])
    assert torch.equal(filter_logits(logits, top_k=k), logits)


@pytest.mark.parametrize("p, expected", [
    (0.7, {1, 3}),        # .5 < .7, .5+.3 crosses: the crossing token stays
    (0.5, {1}),           # the most likely token alone reaches .5
    (0.8, {1, 3}),        # .5+.3 reaches .8 exactly (up to rounding)
    (0.81, {1, 3, 0}),
    (0.96, {1, 3, 0, 2}),
    (1e-3, {1}),          # the most likely token is always kept
    (1.0, {0, 1, 2, 3}),
])
def test_top_p_keeps_the_smallest_most_likely_set_reaching_p(p, expected):
    assert kept(filter_logits(LOGITS, top_p=p)) == expected


@pytest.mark.parametrize("p, n_kept", [(19 / 64, 1), (35 / 64, 2), (47 / 64, 3), (36 / 64, 3)])
def test_top_p_exactly_at_a_prefix_mass_is_not_undone_by_softmax_rounding(p, n_kept):
    # Exact binary fractions, yet softmax(log(probs)) gives the first one as 0.29687497.
    probs = torch.tensor([19, 16, 12, 10, 7]) / 64
    assert kept(filter_logits(probs.log(), top_p=p)) == set(range(n_kept))


def test_top_k_is_applied_before_top_p_on_the_renormalised_rest():
    # After k=2 the rest is .625/.375, so p=.6 keeps one token; top-p first would have kept two.
    assert kept(filter_logits(LOGITS, top_k=2, top_p=0.6)) == {1}
    assert kept(filter_logits(LOGITS, top_k=3, top_p=0.7)) == {1, 3}


def test_filters_work_row_by_row_on_a_batch_and_keep_the_shape():
    batch = torch.stack([LOGITS, LOGITS.flip(0)])[:, None, :]  # [2, 1, 4]
    out = filter_logits(batch, top_k=3, top_p=0.7)
    assert out.shape == (2, 1, 4)
    assert kept(out[0, 0]) == {1, 3}
    assert kept(out[1, 0]) == {2, 0}
    assert kept(filter_logits(batch, top_k=1)[1, 0]) == {2}


# --- Decoding -------------------------------------------------------------------

@pytest.mark.parametrize("field, value", [
    ("temperature", 0.0), ("temperature", -1.0), ("temperature", math.nan),
    ("top_k", -1), ("top_k", 2.5),
    ("top_p", 0.0), ("top_p", 1.5), ("top_p", -0.1),
])
def test_invalid_decoding_is_refused_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        Decoding(**{field: value})


def test_defaults_are_plain_sampling():
    d = Decoding()
    assert (d.temperature, d.top_k, d.top_p) == (1.0, 0, 1.0)


# --- next_token -----------------------------------------------------------------

def test_near_zero_temperature_is_greedy_on_every_draw():
    logits = torch.tensor([[1.0, 5.0, 3.0, 2.0, 4.9], [0.0, 0.0, 0.0, 0.1, 0.0]]).repeat(500, 1)
    tokens = next_token(logits, Decoding(temperature=1e-6), torch.Generator().manual_seed(0))
    assert tokens.dtype == torch.long and tokens.shape == (1000,)
    assert tokens.view(500, 2).eq(torch.tensor([1, 3])).all()


def test_high_temperature_flattens_towards_uniform():
    logits = torch.tensor([1.0, 5.0, 3.0, 2.0, 4.0]).expand(10_000, 5)
    gen = torch.Generator().manual_seed(0)
    hot = frequencies(next_token(logits, Decoding(temperature=100.0), gen), 5)
    cold = frequencies(next_token(logits, Decoding(temperature=0.5), gen), 5)
    assert torch.allclose(hot, torch.full((5,), 0.2), atol=0.02)
    assert cold.max() > 0.8


def test_same_generator_seed_gives_same_tokens_whatever_the_global_seed():
    logits = torch.randn(64, 50, generator=torch.Generator().manual_seed(1))
    decoding = Decoding(temperature=1.3, top_k=20, top_p=0.9)
    torch.manual_seed(123)
    first = next_token(logits, decoding, torch.Generator().manual_seed(7))
    torch.manual_seed(456)
    again = next_token(logits, decoding, torch.Generator().manual_seed(7))
    other = next_token(logits, decoding, torch.Generator().manual_seed(8))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


@pytest.mark.parametrize("decoding, expected", [
    (Decoding(), PROBS),
    (Decoding(top_p=0.7), torch.tensor([0.0, 0.625, 0.0, 0.375])),
    (Decoding(top_k=3), torch.tensor([0.15, 0.5, 0.0, 0.3]) / 0.95),
    (Decoding(temperature=0.5), PROBS**2 / (PROBS**2).sum()),
])
def test_sampling_frequencies_follow_the_filtered_distribution(decoding, expected):
    tokens = next_token(LOGITS.expand(10_000, 4), decoding, torch.Generator().manual_seed(0))
    assert torch.allclose(frequencies(tokens, 4), expected, atol=0.02)


# --- generate -------------------------------------------------------------------

V = 5


class NextPlusOne:
    """Toy step function: (last + 1) % V is the most likely next token; the
    state counts calls, and every call's input and output are recorded."""

    def __init__(self):
        self.inputs, self.states, self.outputs = [], [], []

    def __call__(self, ids, state):
        self.inputs.append(ids.clone())
        self.states.append(state)
        logits = torch.nn.functional.one_hot((ids + 1) % V, V).float() * 3.0 + torch.arange(V) * 0.1
        self.outputs.append(logits)
        return logits, (state or 0) + 1


def test_generate_stops_at_end_id_and_includes_it():
    model = NextPlusOne()
    tokens, ended, logprobs = generate(model, [4, 0], 50, Decoding(temperature=1e-6), end_id=3)
    assert (tokens, ended) == ([1, 2, 3], True)
    assert len(logprobs) == 3


def test_generate_stops_after_max_new_tokens():
    tokens, ended, logprobs = generate(NextPlusOne(), [0], 7, Decoding(temperature=1e-6))
    assert (tokens, ended, len(logprobs)) == ([1, 2, 3, 4, 0, 1, 2], False, 7)
    assert generate(NextPlusOne(), [0], 0, Decoding()) == ([], False, [])


def test_generate_feeds_the_prompt_once_then_each_new_token_with_the_carried_state():
    model = NextPlusOne()
    tokens, _, _ = generate(model, [4, 0, 1], 6, Decoding(temperature=2.0), state=10,
                            generator=torch.Generator().manual_seed(0))
    assert [tuple(x.shape) for x in model.inputs] == [(1, 3)] + [(1, 1)] * 5  # the last token is never fed
    assert model.inputs[0].tolist() == [[4, 0, 1]]
    assert [int(x) for x in model.inputs[1:]] == tokens[:-1]
    assert all(x.dtype == torch.long for x in model.inputs)
    assert model.states == [10, 11, 12, 13, 14, 15]


def test_generate_logprobs_are_of_the_raw_distribution_not_the_tempered_filtered_one():
    model = NextPlusOne()
    tokens, _, logprobs = generate(model, [2], 20, Decoding(temperature=3.0, top_k=2),
                                   generator=torch.Generator().manual_seed(0))
    raw = [out[0, -1].log_softmax(-1)[tok].item() for out, tok in zip(model.outputs, tokens)]
    assert logprobs == pytest.approx(raw)
    assert all(lp < 0 for lp in logprobs)


def test_generate_is_reproducible_with_the_same_generator_seed():
    def run(seed):
        torch.manual_seed(seed * 31)  # the global RNG must not matter
        return generate(NextPlusOne(), [0], 40, Decoding(temperature=5.0),
                        generator=torch.Generator().manual_seed(seed))
    assert run(1) == run(1)
    assert run(1)[0] != run(2)[0]


def test_generate_runs_without_autograd_and_refuses_an_empty_prompt():
    def step(ids, state):
        assert not torch.is_grad_enabled()
        return torch.zeros(1, ids.shape[1], V, requires_grad=True), state
    generate(step, [0], 3, Decoding())
    with pytest.raises(ValueError, match="prompt"):
        generate(step, [], 3, Decoding())


def test_min_new_tokens_blocks_the_end_token_until_reached():
    """A model that always wants to end still produces min_new_tokens tokens first."""
    vocab_size, end = 4, 3

    def step(ids, state):
        logits = torch.full((1, ids.size(1), vocab_size), -5.0)
        logits[..., end] = 5.0
        return logits, state

    tokens, ended, _ = generate(step, [0], 20, Decoding(temperature=1e-6), end_id=end, min_new_tokens=3)
    assert len(tokens) == 4 and tokens[-1] == end and end not in tokens[:3] and ended


# --- generate_batch, sample_songs, decoding_grid -----------------------------------

class Batched:
    """Toy batched step: row r's likely next token is (last + 1 + r) % V, so rows differ; the state
    counts calls, and every call's input shape is recorded."""

    def __init__(self, vocab=V):
        self.vocab, self.shapes = vocab, []

    def __call__(self, ids, state):
        self.shapes.append(tuple(ids.shape))
        shift = torch.arange(ids.size(0))[:, None] + 1
        logits = torch.nn.functional.one_hot((ids + shift) % self.vocab, self.vocab).float() * 3.0
        return logits, (state or 0) + 1


def test_rows_stop_at_their_own_end_while_the_others_go_on():
    step = Batched()
    out = generate_batch(step, [0], [Decoding(temperature=1e-6)] * 3, 20, end_id=4, check_every=1)
    # row 0 counts 1,2,3,4; row 1 steps by 2: 2,4; row 2 by 3: 3,1,4
    assert out == [([1, 2, 3, 4], True, pytest.approx(out[0][2])), ([2, 4], True, pytest.approx(out[1][2])),
                   ([3, 1, 4], True, pytest.approx(out[2][2]))]
    assert all(len(lp) == len(ids) for ids, _, lp in out)
    assert step.shapes == [(3, 1)] * 4  # one batched call per step, stopped once all ended


def test_a_text_stop_ends_each_row_on_its_own_not_before_min_new_tokens():
    out = generate_batch(Batched(), [0], [Decoding(temperature=1e-6)] * 2, 20, min_new_tokens=3,
                         stop=lambda ids: ids[-1] == 2)
    assert [(ids, ended) for ids, ended, _ in out] == [([1, 2, 3, 4, 0, 1, 2], True), ([2, 4, 1, 3, 0, 2], True)]


def test_checking_ends_every_few_steps_gives_the_same_sequences():
    def run(every):
        return generate_batch(Batched(), [0, 1], [Decoding(temperature=2.0)] * 4, 30, end_id=4, min_new_tokens=2,
                              generators=[torch.Generator().manual_seed(3)] * 4, check_every=every)
    assert run(1) == run(8) == run(100)


def test_each_row_keeps_its_own_decoding():
    """A greedy row and a sampled row in one batch: the greedy row is the argmax, the other varies."""
    logits = LOGITS.expand(6000, 4)
    decodings = [Decoding(temperature=1e-6), Decoding(top_p=0.7), Decoding(top_k=3), Decoding(top_k=2, top_p=0.6),
                 Decoding(temperature=0.5), Decoding(top_k=9)] * 1000
    tokens = next_token(logits, decodings, torch.Generator().manual_seed(0)).view(1000, 6)
    assert tokens[:, 0].eq(1).all() and tokens[:, 3].eq(1).all()
    for col, expected in ((1, [0.0, 0.625, 0.0, 0.375]), (2, [0.15 / 0.95, 0.5 / 0.95, 0.0, 0.3 / 0.95]),
                          (4, PROBS**2 / (PROBS**2).sum()), (5, PROBS)):
        assert torch.allclose(frequencies(tokens[:, col], 4), torch.as_tensor(expected), atol=0.05), col


@pytest.mark.parametrize("k, p", [(2, 1.0), (0, 0.7), (3, 0.7), (0, 0.5)])
def test_per_row_filters_equal_the_scalar_ones(k, p):
    batch = torch.randn(6, 30, generator=torch.Generator().manual_seed(k))
    rows = filter_logits(batch, torch.tensor([k] * 6), torch.tensor([p] * 6))
    assert torch.equal(rows, filter_logits(batch, k, p))
    mixed = filter_logits(batch, torch.tensor([k, 0] * 3), torch.tensor([p, 1.0] * 3))
    assert torch.equal(mixed[0::2], filter_logits(batch[0::2], k, p)) and torch.equal(mixed[1::2], batch[1::2])


class CharCodec:
    level, end_id = "char", 4

    def context_ids(self, prompt):
        return [0] + [1] * len(prompt)

    def prompt_text(self, prompt):
        return prompt

    def written(self, ids):
        return "".join("abcde"[i] for i in ids)

    def stop(self, ids):
        return False


def test_sample_songs_is_reproducible_and_seeded():
    def run(seed):
        torch.manual_seed(seed * 7)  # the global RNG must not matter
        return [(s["text"], s["tokens"]) for s in sample_songs(NoisyStep(), CharCodec(), Decoding(1.5), 5, 40, seed)]
    assert run(1) == run(1)
    assert run(1) != run(2)


class NoisyStep:
    """Batch-independent logits that favour no token much, so samples vary."""

    def __call__(self, ids, state):
        logits = torch.tensor([0.5, 1.0, 0.8, 0.3, -1.0]).expand(ids.size(0), ids.size(1), V)
        return logits, state


def test_songs_with_different_prompts_are_batched_apart_and_returned_in_order():
    songs = sample_songs(NoisyStep(), CharCodec(), Decoding(), 5, 30, 0, prompts=["x", "yy"])
    assert [s["index"] for s in songs] == list(range(5))
    assert [s["prompt"] for s in songs] == ["x", "yy", "x", "yy", "x"]
    assert all(s["text"].startswith(s["prompt"]) and s["seconds"] > 0 for s in songs)


def test_a_grid_settings_songs_are_those_it_draws_alone_with_the_seed():
    grid_rows = decoding_grid(NoisyStep(), CharCodec(), [0.7, 1.5], [0.9, 1.0], [0, 2], 3, 40, seed=5)
    assert [(r["temperature"], r["top_p"], r["top_k"], r["samples"]) for r in grid_rows] == [
        (t, p, k, 3) for t in (0.7, 1.5) for p in (0.9, 1.0) for k in (0, 2)]
    for r in grid_rows:
        alone = sample_songs(NoisyStep(), CharCodec(), Decoding(r["temperature"], r["top_k"], r["top_p"]), 3, 40, 5)
        assert r["mean_tokens"] == sum(s["tokens"] for s in alone) / 3
        assert r["distinct_1"] == pytest.approx(sum(s["distinct_1"] for s in alone) / 3)
