import pytest
import torch

from nlpbench.models.rnnlm import RNNLM, adaptive_nll, detach, head_cutoffs, reset_rows
from nlpbench.train.trainer import count_parameters


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_shapes_and_hidden_state(arch):
    model = RNNLM(50, arch, embed_dim=16, hidden_dim=24, num_layers=2, dropout=0.1, tie_weights=True)
    logits, hidden = model(torch.randint(0, 50, (3, 7)))
    assert logits.shape == (3, 7, 50)
    first = hidden[0] if arch == "lstm" else hidden
    assert first.shape == (2, 3, 24)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_hidden_state_carried_across_windows_equals_one_pass(arch):
    torch.manual_seed(0)
    model = RNNLM(30, arch, embed_dim=8, hidden_dim=8, num_layers=2, dropout=0.0, tie_weights=True).eval()
    tokens = torch.randint(0, 30, (2, 12))
    whole, _ = model(tokens)
    a, h = model(tokens[:, :5])
    b, _ = model(tokens[:, 5:], detach(h))
    assert torch.allclose(torch.cat([a, b], 1), whole, atol=1e-6)
    fresh, _ = model(tokens[:, 5:])
    assert not torch.allclose(fresh, whole[:, 5:], atol=1e-4)  # the carried state matters


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_a_reset_row_continues_as_if_it_started_fresh_and_the_others_keep_their_state(arch):
    torch.manual_seed(0)
    model = RNNLM(30, arch, embed_dim=8, hidden_dim=8, num_layers=2, dropout=0.0, tie_weights=True).eval()
    tokens = torch.randint(0, 30, (2, 10))
    _, h = model(tokens[:, :4])
    out, _ = model(tokens[:, 4:], reset_rows(h, torch.tensor([True, False])))
    fresh, _ = model(tokens[:1, 4:])
    whole, _ = model(tokens[1:])
    assert torch.allclose(out[0], fresh[0], atol=1e-6) and torch.allclose(out[1], whole[0, 4:], atol=1e-6)
    assert reset_rows(h, torch.tensor([True, True])) is None and reset_rows(None, torch.tensor([False])) is None


def test_kept_positions_alone_reach_the_output_layer():
    torch.manual_seed(0)
    model = RNNLM(30, "lstm", embed_dim=8, hidden_dim=8, num_layers=1, dropout=0.0, tie_weights=True).eval()
    tokens = torch.randint(0, 30, (2, 6))
    keep = torch.tensor([[True] * 6, [True, True, False, False, False, False]])
    full, _ = model(tokens)
    kept, _ = model(tokens, keep=keep)
    assert kept.shape == (8, 30) and torch.allclose(kept, full[keep])


def test_weights_tie_when_sizes_allow_and_are_counted_once():
    tied = RNNLM(100, "lstm", embed_dim=16, hidden_dim=16, num_layers=1, dropout=0.0, tie_weights=True)
    untied = RNNLM(100, "lstm", embed_dim=16, hidden_dim=32, num_layers=1, dropout=0.0, tie_weights=True)
    assert tied.tied and tied.head.weight is tied.embed.weight
    assert not untied.tied
    total, trainable = count_parameters(tied)
    assert total == trainable == 100 * 16 + 4 * (16 * 16 + 16 * 16 + 16 + 16) + 100


def test_unknown_arch_is_refused():
    with pytest.raises(ValueError, match="transformer"):
        RNNLM(10, "transformer", embed_dim=4, hidden_dim=4, num_layers=1, dropout=0.0, tie_weights=True)


def test_detach_cuts_the_graph():
    h = (torch.ones(1, requires_grad=True) * 2, torch.ones(1, requires_grad=True) * 3)
    assert all(not t.requires_grad for t in detach(h))
    assert detach(None) is None


# --- the adaptive softmax -------------------------------------------------------

def adaptive(vocab=60, cutoffs=(8, 24), hidden=16, **kw):
    return RNNLM(vocab, "lstm", embed_dim=hidden, hidden_dim=hidden, num_layers=1, dropout=0.0, tie_weights=True,
                 cutoffs=cutoffs, div_value=2.0, **kw)


def test_head_cutoffs_switch_on_at_min_vocab_and_keep_those_below_the_vocabulary_size():
    on = dict(adaptive=True, min_vocab=1000, cutoffs=[200, 800, 4000])
    assert head_cutoffs(999, **on) == []  # under min_vocab: the full softmax
    assert head_cutoffs(1000, **on) == [200, 800]
    assert head_cutoffs(5000, **on) == [200, 800, 4000]
    assert head_cutoffs(5000, **{**on, "adaptive": False}) == []
    assert head_cutoffs(150, **{**on, "min_vocab": 10}) == []  # no cutoff below the vocabulary size
    with pytest.raises(ValueError, match="increase"):
        head_cutoffs(5000, adaptive=True, min_vocab=1, cutoffs=[800, 200])


def test_the_adaptive_head_replaces_the_linear_one_and_ties_only_its_shortlist():
    model = adaptive()
    assert model.adaptive and isinstance(model.head, torch.nn.AdaptiveLogSoftmaxWithLoss)
    assert model.args["cutoffs"] == [8, 24] and model.args["div_value"] == 2.0
    assert model.tied and model.head.head.embedding is model.embed.weight
    with torch.no_grad():  # the 8 shortlist ids' logits come from their embedding rows, the clusters' do not
        h = torch.randn(3, 16)
        expected = h @ model.embed.weight[:8].T + model.head.head.bias[:8]
        assert torch.allclose(model.head.head(h)[:, :8], expected, atol=1e-6)
    total, _ = count_parameters(model)  # the shared rows counted once
    assert total == sum(p.numel() for p in model.parameters()) < sum(v.numel() for v in model.state_dict().values())
    untied = RNNLM(60, "lstm", embed_dim=8, hidden_dim=16, num_layers=1, dropout=0.0, tie_weights=True, cutoffs=[8])
    assert not untied.tied and isinstance(untied.head.head, torch.nn.Linear)  # widths differ
    full = adaptive(cutoffs=())
    assert not full.adaptive and isinstance(full.head, torch.nn.Linear) and full.tied


def test_adaptive_log_probs_are_a_normalised_distribution_over_the_vocabulary():
    torch.manual_seed(0)
    model = adaptive().eval()
    logp, _ = model(torch.randint(0, 60, (3, 9)))
    assert logp.shape == (3, 9, 60) and logp.dtype == torch.float32
    assert torch.allclose(logp.logsumexp(dim=-1), torch.zeros(3, 9), atol=1e-5)
    assert (logp[..., 24:].exp().sum(-1) > 0).all()  # the rarest cluster has mass too


def test_training_nll_is_minus_the_log_prob_of_each_target_in_every_cluster():
    torch.manual_seed(0)
    model = adaptive().eval()
    x = torch.randint(0, 60, (2, 30))
    y = torch.arange(60).view(2, 30)  # every id once: the shortlist and both tail clusters
    logp, _ = model(x)
    nll, _ = model(x, targets=y)
    assert nll.shape == (2, 30)
    assert torch.allclose(nll, -logp.gather(-1, y[..., None]).squeeze(-1), atol=1e-5)
    keep = torch.rand(2, 30) > 0.3
    kept, _ = model(x, keep=keep, targets=y[keep])
    assert torch.allclose(kept, nll[keep], atol=1e-6)
    h = torch.randn(7, 16)  # and the same as torch's own module gives
    t = torch.tensor([0, 7, 8, 23, 24, 59, 3])
    assert torch.allclose(adaptive_nll(model.head, h, t), -model.head(h, t).output, atol=1e-5)


def test_full_softmax_nll_is_the_cross_entropy_of_its_log_probs():
    torch.manual_seed(0)
    model = adaptive(cutoffs=()).eval()
    x, y = torch.randint(0, 60, (2, 5)), torch.randint(0, 60, (2, 5))
    logp, _ = model(x)
    nll, _ = model(x, targets=y)
    assert torch.allclose(logp.logsumexp(-1), torch.zeros(2, 5), atol=1e-5)
    assert torch.allclose(nll, -logp.gather(-1, y[..., None]).squeeze(-1), atol=1e-5)


def test_every_weight_gets_a_gradient_even_from_a_batch_without_rare_targets():
    """DDP needs every parameter in every step: a tail cluster no target falls in still runs (on no rows)."""
    model = adaptive()
    nll, _ = model(torch.randint(0, 60, (2, 6)), targets=torch.randint(0, 8, (2, 6)))  # the shortlist only
    nll.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    assert all(float(p.grad.abs().sum()) == 0 for p in model.head.tail.parameters())


def test_a_few_steps_lower_the_adaptive_training_loss():
    torch.manual_seed(0)
    model = adaptive()
    x = torch.randint(0, 60, (4, 12))
    y = torch.roll(x, -1, dims=1)
    opt = torch.optim.AdamW(model.parameters(), lr=0.02)
    losses = []
    for _ in range(30):
        nll, _ = model(x, targets=y)
        loss = nll.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_an_adaptive_head_too_narrow_for_its_clusters_is_refused():
    with pytest.raises(ValueError, match="div_value"):
        RNNLM(100, "gru", embed_dim=4, hidden_dim=4, num_layers=1, dropout=0.0, tie_weights=False,
              cutoffs=[10, 50], div_value=4.0)  # 4 / 4^2 < 1
