"""Review classifiers: a Kim-style CNN and a recurrent (RNN/LSTM/GRU) encoder.

Both take padded token ids [B, T] and true lengths [B], and are written so
that padding never changes a prediction: the RNN pools over real positions
only and runs its backward direction over each review reversed within its own
length; the CNN masks windows that reach into padding.
"""

from __future__ import annotations

import torch
from torch import nn

from nlpbench.models.rnnlm import CELLS  # one table of recurrent cells for both parts


class TokenEmbedding(nn.Module):
    """Word vectors, optionally averaged with hashed char n-gram vectors (fastText, Bojanowski et al. 2017).

    Ids are [B, T] word ids, or [B, T, 1 + K] with `subword_buckets`: the word
    id, then its n-gram ids (0 = none). A padding position embeds to zeros.
    """

    def __init__(self, vocab_size: int, embed_dim: int, pad: int, vectors: torch.Tensor | None = None,
                 subword_buckets: int = 0):
        super().__init__()
        self.word = nn.Embedding(vocab_size, embed_dim, padding_idx=pad)
        if vectors is not None:
            with torch.no_grad():
                self.word.weight.copy_(vectors)
                self.word.weight[pad].zero_()
        self.ngrams = (nn.EmbeddingBag(subword_buckets + 1, embed_dim, mode="sum", padding_idx=0)
                       if subword_buckets else None)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if self.ngrams is None:
            return self.word(ids)
        grams = ids[..., 1:]
        if grams.size(-1) == 0:  # a batch of empty reviews: no n-grams at all
            return self.word(ids[..., 0])
        summed = self.ngrams(grams.reshape(-1, grams.size(-1))).view(*grams.shape[:2], -1)
        count = 1 + (grams > 0).sum(-1, keepdim=True)
        return (self.word(ids[..., 0]) + summed) / count


def pad_time(ids: torch.Tensor, length: int, pad: int) -> torch.Tensor:
    """Ids padded along time to `length`: word id `pad` and, with subwords, no n-grams."""
    extra = ids.new_zeros(ids.size(0), length - ids.size(1), *ids.shape[2:])
    (extra[..., 0] if ids.dim() == 3 else extra).fill_(pad)
    return torch.cat([ids, extra], dim=1)


class CNNClassifier(nn.Module):
    """Parallel 1-D convolutions of several widths, max-pooled over time (Kim 2014)."""

    def __init__(self, vocab_size: int, num_classes: int, *, embed_dim: int, kernel_sizes, channels: int,
                 dropout: float, pad: int = 0, vectors=None, subword_buckets: int = 0, **_):
        super().__init__()
        self.args = dict(arch="cnn", vocab_size=vocab_size, num_classes=num_classes, embed_dim=embed_dim,
                         kernel_sizes=list(kernel_sizes), channels=channels, dropout=dropout, pad=pad,
                         subword_buckets=subword_buckets)
        self.embed = TokenEmbedding(vocab_size, embed_dim, pad, vectors, subword_buckets)
        self.convs = nn.ModuleList(nn.Conv1d(embed_dim, channels, k) for k in kernel_sizes)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(channels * len(kernel_sizes), num_classes)
        self.min_len = max(kernel_sizes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if ids.size(1) < self.min_len:  # a batch of short reviews: pad up to the widest kernel
            ids = pad_time(ids, self.min_len, self.args["pad"])
        x = self.drop(self.embed(ids)).transpose(1, 2)  # [B, E, T]
        # Reviews shorter than the widest kernel count as padded to it, whatever the batch.
        eff = lengths.clamp(min=self.min_len).to(ids.device)
        pooled = []
        for conv in self.convs:
            h = torch.relu(conv(x))  # [B, C, T - k + 1]
            valid = torch.arange(h.size(2), device=h.device)[None, :] < (eff - conv.kernel_size[0] + 1)[:, None]
            pooled.append(h.masked_fill(~valid[:, None, :], float("-inf")).amax(dim=2))
        return self.out(self.drop(torch.cat(pooled, dim=1)))


def reverse_within(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each row's first lengths[b] positions reversed, padding left in place at the end."""
    t = torch.arange(x.size(1), device=x.device)[None, :]
    back = lengths.to(x.device)[:, None] - 1 - t
    idx = torch.where(back >= 0, back, t)
    return x.gather(1, idx.view(*idx.shape, *([1] * (x.dim() - 2))).expand_as(x))


class RNNClassifier(nn.Module):
    """A multi-layer (bi)directional RNN/LSTM/GRU over padded batches, pooled to one vector.

    The result equals reading packed sequences (a test checks it against
    `pack_padded_sequence(..., enforce_sorted=False)`), but PyTorch's packed
    backward pass is about 4x slower on CPU when lengths in a batch differ, so
    each direction of each layer is a unidirectional cell: the forward one
    reads padding only after the real tokens, the backward one reads every
    review reversed within its length.
    """

    # Sizes have no defaults here: the study's are in the config schema, and a test's are its own.
    def __init__(self, vocab_size: int, num_classes: int, *, arch: str, embed_dim: int, hidden_dim: int,
                 num_layers: int, bidirectional: bool, pooling: str, dropout: float, pad: int = 0, vectors=None,
                 subword_buckets: int = 0, **_):
        super().__init__()
        if arch not in CELLS:
            raise ValueError(f"arch {arch!r} is not one of {sorted(CELLS)}")
        self.args = dict(arch=arch, vocab_size=vocab_size, num_classes=num_classes, embed_dim=embed_dim,
                         hidden_dim=hidden_dim, num_layers=num_layers, bidirectional=bidirectional,
                         pooling=pooling, dropout=dropout, pad=pad, subword_buckets=subword_buckets)
        self.embed = TokenEmbedding(vocab_size, embed_dim, pad, vectors, subword_buckets)
        self.dirs = 2 if bidirectional else 1
        self.cells = nn.ModuleList(
            CELLS[arch](embed_dim if layer == 0 else hidden_dim * self.dirs, hidden_dim, batch_first=True)
            for layer in range(num_layers) for _ in range(self.dirs))
        self.drop = nn.Dropout(dropout)
        self.pooling = pooling
        self.out = nn.Linear(hidden_dim * self.dirs, num_classes)

    def encode(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Top-layer outputs [B, T, H * dirs]; positions past each length are not meaningful."""
        layers = len(self.cells) // self.dirs
        for layer in range(layers):
            fwd, *bwd = self.cells[layer * self.dirs:(layer + 1) * self.dirs]
            outs = [fwd(x)[0]] + [reverse_within(cell(reverse_within(x, lengths))[0], lengths) for cell in bwd]
            x = torch.cat(outs, dim=2)
            if layer < layers - 1:
                x = self.drop(x)  # between layers, as nn.LSTM(dropout=...) does
        return x

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        lengths = lengths.to(ids.device)
        out = self.encode(self.drop(self.embed(ids)), lengths)
        mask = torch.arange(out.size(1), device=out.device)[None, :] < lengths[:, None]
        if self.pooling == "last":  # the forward direction's last real step; the backward one ends at 0
            last = out.gather(1, (lengths - 1).view(-1, 1, 1).expand(-1, 1, out.size(2))).squeeze(1)
            h = self.args["hidden_dim"]
            vec = torch.cat([last[:, :h], out[:, 0, h:]], dim=1)
        elif self.pooling == "mean":
            vec = (out * mask[..., None]).sum(1) / lengths[:, None].clamp(min=1)
        else:
            vec = out.masked_fill(~mask[..., None], float("-inf")).amax(dim=1)
        return self.out(self.drop(vec))


def build_classifier(arch: str, vocab_size: int, num_classes: int, **kwargs) -> nn.Module:
    if arch == "cnn":
        return CNNClassifier(vocab_size, num_classes, **kwargs)
    return RNNClassifier(vocab_size, num_classes, arch=arch, **kwargs)
