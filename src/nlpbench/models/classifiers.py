"""Review classifiers: a Kim-style CNN and a recurrent (RNN/LSTM/GRU) encoder.

Both take padded token ids [B, T] and true lengths [B], and are written so
that padding never changes a prediction: the RNN reads packed sequences and
pools over real positions only; the CNN masks windows that reach into padding.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _embedding(vocab_size: int, embed_dim: int, pad: int, vectors: torch.Tensor | None) -> nn.Embedding:
    emb = nn.Embedding(vocab_size, embed_dim, padding_idx=pad)
    if vectors is not None:
        with torch.no_grad():
            emb.weight.copy_(vectors)
            emb.weight[pad].zero_()
    return emb


class CNNClassifier(nn.Module):
    """Parallel 1-D convolutions of several widths, max-pooled over time (Kim 2014)."""

    def __init__(self, vocab_size: int, num_classes: int, embed_dim: int = 200, kernel_sizes=(3, 4, 5),
                 channels: int = 100, dropout: float = 0.5, pad: int = 0, vectors=None, **_):
        super().__init__()
        self.args = dict(arch="cnn", vocab_size=vocab_size, num_classes=num_classes, embed_dim=embed_dim,
                         kernel_sizes=list(kernel_sizes), channels=channels, dropout=dropout, pad=pad)
        self.embed = _embedding(vocab_size, embed_dim, pad, vectors)
        self.convs = nn.ModuleList(nn.Conv1d(embed_dim, channels, k) for k in kernel_sizes)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(channels * len(kernel_sizes), num_classes)
        self.min_len = max(kernel_sizes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if ids.size(1) < self.min_len:  # a batch of short reviews: pad up to the widest kernel
            ids = nn.functional.pad(ids, (0, self.min_len - ids.size(1)), value=self.args["pad"])
        x = self.drop(self.embed(ids)).transpose(1, 2)  # [B, E, T]
        # Reviews shorter than the widest kernel count as padded to it, whatever the batch.
        eff = lengths.clamp(min=self.min_len).to(ids.device)
        pooled = []
        for conv in self.convs:
            h = torch.relu(conv(x))  # [B, C, T - k + 1]
            valid = torch.arange(h.size(2), device=h.device)[None, :] < (eff - conv.kernel_size[0] + 1)[:, None]
            pooled.append(h.masked_fill(~valid[:, None, :], float("-inf")).amax(dim=2))
        return self.out(self.drop(torch.cat(pooled, dim=1)))


class RNNClassifier(nn.Module):
    """A multi-layer (bi)directional RNN/LSTM/GRU over packed sequences, pooled to one vector."""

    def __init__(self, vocab_size: int, num_classes: int, arch: str = "lstm", embed_dim: int = 200,
                 hidden_dim: int = 256, num_layers: int = 2, bidirectional: bool = True, pooling: str = "max",
                 dropout: float = 0.5, pad: int = 0, vectors=None, **_):
        super().__init__()
        if arch not in CELLS:
            raise ValueError(f"arch {arch!r} is not one of {sorted(CELLS)}")
        self.args = dict(arch=arch, vocab_size=vocab_size, num_classes=num_classes, embed_dim=embed_dim,
                         hidden_dim=hidden_dim, num_layers=num_layers, bidirectional=bidirectional,
                         pooling=pooling, dropout=dropout, pad=pad)
        self.embed = _embedding(vocab_size, embed_dim, pad, vectors)
        self.rnn = CELLS[arch](embed_dim, hidden_dim, num_layers, batch_first=True, bidirectional=bidirectional,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.pooling = pooling
        self.out = nn.Linear(hidden_dim * (2 if bidirectional else 1), num_classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(self.drop(self.embed(ids)), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, hidden = self.rnn(packed)
        if self.pooling == "last":
            h = hidden[0] if isinstance(hidden, tuple) else hidden  # [layers * dirs, B, H]
            dirs = 2 if self.args["bidirectional"] else 1
            vec = torch.cat([h[-d] for d in range(dirs, 0, -1)], dim=1)
        else:
            out, _ = pad_packed_sequence(out, batch_first=True)  # [B, T_max, H*dirs], zeros past each length
            mask = (torch.arange(out.size(1), device=out.device)[None, :] < lengths.to(out.device)[:, None])
            if self.pooling == "mean":
                vec = (out * mask[..., None]).sum(1) / lengths.to(out.device)[:, None].clamp(min=1)
            else:
                vec = out.masked_fill(~mask[..., None], float("-inf")).amax(dim=1)
        return self.out(self.drop(vec))


def build_classifier(arch: str, vocab_size: int, num_classes: int, **kwargs) -> nn.Module:
    if arch == "cnn":
        return CNNClassifier(vocab_size, num_classes, **kwargs)
    return RNNClassifier(vocab_size, num_classes, arch=arch, **kwargs)
