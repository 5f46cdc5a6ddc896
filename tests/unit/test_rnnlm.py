import pytest
import torch

from nlpbench.models.rnnlm import RNNLM, detach, reset_rows
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
