import math

import pytest
import torch

from nlpbench.lm import perplexity
from nlpbench.models.rnnlm import RNNLM
from nlpbench.train import distributed


class Uniform(torch.nn.Module):
    """Log-probabilities -ln V everywhere: NLL is ln V per token."""

    def __init__(self, vocab):
        super().__init__()
        self.vocab = vocab

    def forward(self, x, hidden=None, keep=None):
        logp = torch.full((*x.shape, self.vocab), -math.log(self.vocab))
        return (logp if keep is None else logp[keep]), hidden


@pytest.mark.parametrize("vocab", [2, 5, 64])
def test_uniform_model_scores_log2_v_bits_per_symbol_song_by_song(vocab):
    songs = [torch.randint(1, vocab, (n,)) for n in (2, 30, 301, 17)]
    nll = perplexity.song_nll(Uniform(vocab), songs, distributed.Context(), pad=0, batch=3, window=7)
    assert nll.tolist() == pytest.approx([(len(s) - 1) * math.log(vocab) for s in songs])
    total = float(nll.sum())
    assert perplexity.bits_per_char(total, chars=346) == pytest.approx(346 * math.log2(vocab) / 346)
    m = perplexity.lm_metrics(total, 346, chars=346)
    assert m["ppl"] == pytest.approx(vocab) and m["bpc"] == pytest.approx(math.log2(vocab))


def test_each_song_is_scored_from_a_fresh_state_whatever_its_batch_and_window():
    torch.manual_seed(0)
    model = RNNLM(12, "lstm", embed_dim=8, hidden_dim=8, num_layers=1, dropout=0.0, tie_weights=True).eval()
    songs = [torch.randint(1, 12, (n,)) for n in (5, 40, 9, 64, 3)]
    alone = [float(perplexity.song_nll(model, [s], distributed.Context(), pad=0, window=1000)) for s in songs]
    together = perplexity.song_nll(model, songs, distributed.Context(), pad=0, batch=2, window=6)
    assert together.tolist() == pytest.approx(alone, rel=1e-5)
    with torch.no_grad():  # and alone means one forward pass from a zero state
        logits, _ = model(songs[1][None, :-1])
        direct = torch.nn.functional.cross_entropy(logits[0], songs[1][1:], reduction="sum")
    assert alone[1] == pytest.approx(float(direct), rel=1e-5)


def test_word_model_bits_per_char_divide_by_characters_not_tokens():
    # 10 word tokens over 50 characters at ln(8) nats each: 3 bits/token -> 0.6 bits/char
    m = perplexity.lm_metrics(10 * math.log(8), tokens=10, chars=50)
    assert m["bpc"] == pytest.approx(0.6) and m["ppl"] == pytest.approx(8)


def test_open_vocabulary_bpc_adds_the_spelling_and_keeps_the_unk_figure():
    m = perplexity.lm_metrics(10 * math.log(8), tokens=10, chars=50, spelling=5 * math.log(2))
    assert m["bpc_unk"] == pytest.approx(0.6) and m["bpc"] == pytest.approx(0.7)  # 5 more bits over 50 chars
    assert m["ppl"] == pytest.approx(8)  # perplexity stays in the model's own unit


def test_split_scores_keep_each_song_with_its_spelling_and_add_up():
    songs = ["abc", "de"]
    block = perplexity.split_scores(songs, torch.tensor([1.0, 2.0], dtype=torch.float64), tokens=7,
                                 spelling=[0.5, 0.0])
    assert block["per_song"]["nll_nats"] == [1.5, 2.0] and block["per_song"]["chars"] == [4, 3]
    assert block["bpc"] == pytest.approx(3.5 / (7 * math.log(2)))
    assert block["bpc_unk"] == pytest.approx(3.0 / (7 * math.log(2)))
    assert block["per_song"]["digest"] == perplexity.songs_digest(songs)


def test_an_adaptive_model_is_scored_on_its_whole_normalised_distribution():
    """bits per character stay exact: each target's NLL is read from log-probabilities that sum to 1."""
    torch.manual_seed(0)
    model = RNNLM(40, "gru", embed_dim=8, hidden_dim=16, num_layers=1, dropout=0.0, tie_weights=True,
                  cutoffs=[6, 20], div_value=2.0).eval()
    songs = [torch.randint(1, 40, (n,)) for n in (12, 50, 7)]
    nll = perplexity.song_nll(model, songs, distributed.Context(), pad=0, batch=2, window=9)
    with torch.no_grad():
        for song, got in zip(songs, nll.tolist()):
            logp, _ = model(song[None, :-1])
            assert torch.allclose(logp.logsumexp(-1), torch.zeros(1, song.numel() - 1), atol=1e-5)
            assert got == pytest.approx(-float(logp[0].gather(1, song[1:, None]).sum()), rel=1e-5)
    assert {int(t) for s in songs for t in s[1:]} & set(range(20, 40))  # the rarest cluster is scored too
