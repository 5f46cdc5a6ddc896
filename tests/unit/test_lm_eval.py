import math

import pytest
import torch

from nlpbench import distributed, lm_eval


class Uniform(torch.nn.Module):
    """Equal logits everywhere: NLL is ln V per token."""

    def __init__(self, vocab):
        super().__init__()
        self.vocab = vocab

    def forward(self, x, hidden=None):
        return torch.zeros(*x.shape, self.vocab), hidden


@pytest.mark.parametrize("vocab", [2, 5, 64])
def test_uniform_model_scores_log2_v_bits_per_symbol(vocab):
    stream = torch.randint(1, vocab, (101,))
    nll, n = lm_eval.stream_nll(Uniform(vocab), stream, distributed.Context(), pad=0, batch=4,
                                seq_len=7)
    assert n == 100
    assert nll == pytest.approx(100 * math.log(vocab))
    assert lm_eval.bits_per_char(nll, chars=100) == pytest.approx(math.log2(vocab))
    m = lm_eval.lm_metrics(nll, n, chars=100)
    assert m["ppl"] == pytest.approx(vocab) and m["bpc"] == pytest.approx(math.log2(vocab))


def test_word_model_bits_per_char_divide_by_characters_not_tokens():
    # 10 word tokens over 50 characters at ln(8) nats each: 3 bits/token -> 0.6 bits/char
    m = lm_eval.lm_metrics(10 * math.log(8), tokens=10, chars=50)
    assert m["bpc"] == pytest.approx(0.6) and m["ppl"] == pytest.approx(8)


def test_oov_charged_bpc_adds_a_uniform_spelling_cost():
    m = lm_eval.lm_metrics(0.0, tokens=1, chars=10, oov_chars=5, char_symbols=4)
    assert m["bpc"] == 0.0
    assert m["bpc_oov_charged"] == pytest.approx(5 * 2 / 10)  # 2 bits per spelt letter
