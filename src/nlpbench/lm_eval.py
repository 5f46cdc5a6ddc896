"""Scoring language models on held-out text: loss, perplexity, bits per character.

Perplexity is per token, so char, word and subword models differ in unit.
Bits per character divide the same summed NLL by the characters of the same
raw text (`textgen_data.eval_chars`), which makes every Part A model comparable.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from . import distributed
from .textgen_data import padded_pairs

# One protocol for every score (validation during training and the final
# evaluation): the text cut into 16 contiguous rows, read in 256-token windows
# with the state carried. Fixed, so the numbers do not depend on training settings.
EVAL_ROWS, EVAL_WINDOW = 16, 256


@torch.no_grad()
def stream_nll(model, stream: torch.Tensor, ctx: distributed.Context, pad: int, batch: int = EVAL_ROWS,
               seq_len: int = EVAL_WINDOW) -> tuple[float, int]:
    """Summed NLL (nats) of every next token of `stream`, and how many were scored.

    The stream is cut into `batch` contiguous rows (this rank scores its share),
    walked window by window with the hidden state carried; padding is masked.
    """
    x, y, mask = (t[ctx.rank::ctx.world].to(ctx.device) for t in padded_pairs(stream, batch, pad))
    total = torch.zeros((), dtype=torch.float64, device=ctx.device)
    hidden = None
    for t in range(0, x.size(1), seq_len):
        logits, hidden = model(x[:, t:t + seq_len], hidden)
        nll = F.cross_entropy(logits.float().flatten(0, 1), y[:, t:t + seq_len].flatten(), reduction="none")
        total += (nll * mask[:, t:t + seq_len].flatten()).sum(dtype=torch.float64)
    nll_sum, count = distributed.all_sum([total.item(), float(mask.sum().item())], ctx)
    return nll_sum, int(count)


def bits_per_char(nll_nats: float, chars: int) -> float:
    """Summed NLL in nats over a text -> bits per character of that text."""
    return nll_nats / (chars * math.log(2))


def lm_metrics(nll: float, tokens: int, chars: int, oov_chars: int = 0, char_symbols: int = 0) -> dict:
    """loss, ppl (model's own unit), bpc, and bpc with OOV words spelt out.

    An `<unk>` prediction stands for every unknown word at once, which flatters
    word models; `bpc_oov_charged` adds the cost of spelling each OOV word under
    a uniform model over the training characters (log |chars| nats per letter).
    """
    loss = nll / max(tokens, 1)
    charged = nll + oov_chars * math.log(char_symbols) if char_symbols else nll
    return {"loss": loss, "ppl": math.exp(min(loss, 50.0)), "bpc": bits_per_char(nll, chars),
            "bpc_oov_charged": bits_per_char(charged, chars), "tokens": tokens, "chars": chars}
