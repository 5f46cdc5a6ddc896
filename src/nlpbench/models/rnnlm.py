"""Recurrent language model: embedding -> fused RNN/LSTM/GRU -> linear.

The cuDNN-fused `nn.RNN`/`nn.LSTM`/`nn.GRU` modules do the recurrence; the
hidden state is returned so truncated BPTT can carry it across windows.
"""

from __future__ import annotations

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}  # the schema's recurrent_cell names (a test checks)


class RNNLM(nn.Module):
    # Sizes have no defaults here: the study's are in the config schema, and a test's are its own.
    def __init__(self, vocab_size: int, arch: str, *, embed_dim: int, hidden_dim: int, num_layers: int,
                 dropout: float, tie_weights: bool):
        super().__init__()
        if arch not in CELLS:
            raise ValueError(f"arch {arch!r} is not one of {sorted(CELLS)}")
        self.args = dict(vocab_size=vocab_size, arch=arch, embed_dim=embed_dim, hidden_dim=hidden_dim,
                         num_layers=num_layers, dropout=dropout, tie_weights=tie_weights)
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.drop = nn.Dropout(dropout)
        self.rnn = CELLS[arch](embed_dim, hidden_dim, num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.head = nn.Linear(hidden_dim, vocab_size)
        # Tying (Press & Wolf 2017) needs the output width to equal the embedding width.
        self.tied = tie_weights and embed_dim == hidden_dim
        if self.tied:
            self.head.weight = self.embed.weight

    def forward(self, tokens: torch.Tensor, hidden=None, keep: torch.Tensor | None = None):
        """tokens [B, T] -> logits [B, T, V], new hidden state.

        With `keep` (bool [B, T]) only the kept positions reach the output
        layer, logits [N kept, V] in row-major order: padding costs no
        softmax over a large word vocabulary.
        """
        out, hidden = self.rnn(self.drop(self.embed(tokens)), hidden)
        out = self.drop(out)
        return self.head(out if keep is None else out[keep]), hidden


def detach(hidden):
    """Cut the graph between BPTT windows, keep the values."""
    if hidden is None:
        return None
    if isinstance(hidden, tuple):
        return tuple(h.detach() for h in hidden)
    return hidden.detach()


def reset_rows(hidden, starts: torch.Tensor):
    """The carried state with the batch rows where a new sequence starts zeroed (None: every row fresh)."""
    if hidden is None or starts.all():
        return None
    keep = (~starts).view(1, -1, 1)
    return tuple(h * keep.to(h.dtype) for h in hidden) if isinstance(hidden, tuple) else hidden * keep.to(hidden.dtype)
