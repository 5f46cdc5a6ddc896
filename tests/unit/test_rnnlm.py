import pytest
import torch

from nlpbench.models.rnnlm import RNNLM, count_parameters, detach


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_shapes_and_hidden_state(arch):
    model = RNNLM(50, arch, embed_dim=16, hidden_dim=24, num_layers=2, dropout=0.1)
    logits, hidden = model(torch.randint(0, 50, (3, 7)))
    assert logits.shape == (3, 7, 50)
    first = hidden[0] if arch == "lstm" else hidden
    assert first.shape == (2, 3, 24)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_hidden_state_carried_across_windows_equals_one_pass(arch):
    torch.manual_seed(0)
    model = RNNLM(30, arch, embed_dim=8, hidden_dim=8, num_layers=2, dropout=0.0).eval()
    tokens = torch.randint(0, 30, (2, 12))
    whole, _ = model(tokens)
    a, h = model(tokens[:, :5])
    b, _ = model(tokens[:, 5:], detach(h))
    assert torch.allclose(torch.cat([a, b], 1), whole, atol=1e-6)
    fresh, _ = model(tokens[:, 5:])
    assert not torch.allclose(fresh, whole[:, 5:], atol=1e-4)  # the carried state matters


def test_weights_tie_when_sizes_allow_and_are_counted_once():
    tied = RNNLM(100, "lstm", embed_dim=16, hidden_dim=16, num_layers=1)
    untied = RNNLM(100, "lstm", embed_dim=16, hidden_dim=32, num_layers=1)
    assert tied.tied and tied.head.weight is tied.embed.weight
    assert not untied.tied
    total, trainable = count_parameters(tied)
    assert total == trainable == 100 * 16 + 4 * (16 * 16 + 16 * 16 + 16 + 16) + 100


def test_unknown_arch_is_refused():
    with pytest.raises(ValueError, match="transformer"):
        RNNLM(10, "transformer")


def test_detach_cuts_the_graph():
    h = (torch.ones(1, requires_grad=True) * 2, torch.ones(1, requires_grad=True) * 3)
    assert all(not t.requires_grad for t in detach(h))
    assert detach(None) is None
