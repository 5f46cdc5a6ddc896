"""Recurrent language model: embedding -> fused RNN/LSTM/GRU -> softmax over the vocabulary.

The cuDNN-fused `nn.RNN`/`nn.LSTM`/`nn.GRU` modules do the recurrence; the
hidden state is returned so truncated BPTT can carry it across windows.

The output layer is a full softmax, or over a large word vocabulary an
adaptive softmax (Grave et al. 2017, `nn.AdaptiveLogSoftmaxWithLoss`): a head
over the most frequent ids plus one entry per tail cluster of rarer ids, each
cluster scored through a narrower projection. Its ids must be in frequency
order, as `Vocab` builds them; tied, its head's rows of the most frequent ids
are the embedding's. Either way the model gives the exact, normalised
distribution, so bits per character stay exact; training only skips the
clusters its targets are not in.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}  # the schema's recurrent_cell names (a test checks)


def head_cutoffs(vocab_size: int, *, adaptive: bool, min_vocab: int, cutoffs) -> list[int]:
    """The adaptive softmax's cluster boundaries for this vocabulary, or [] for the full softmax.

    Adaptive when asked for and the vocabulary has at least `min_vocab`
    tokens; the cutoffs at or past its size are dropped (none left: full).
    """
    if not adaptive or vocab_size < min_vocab:
        return []
    cutoffs = [int(c) for c in cutoffs]
    if cutoffs != sorted(set(cutoffs)):
        raise ValueError(f"adaptive softmax cutoffs {cutoffs} must strictly increase")
    return [c for c in cutoffs if c < vocab_size]


class RNNLM(nn.Module):
    # Sizes have no defaults here: the study's are in the config schema, and a test's are its own.
    # No cutoffs is the full softmax (what checkpoints written before the adaptive softmax hold).
    def __init__(self, vocab_size: int, arch: str, *, embed_dim: int, hidden_dim: int, num_layers: int,
                 dropout: float, tie_weights: bool, cutoffs=(), div_value: float = 4.0):
        super().__init__()
        if arch not in CELLS:
            raise ValueError(f"arch {arch!r} is not one of {sorted(CELLS)}")
        cutoffs = [int(c) for c in cutoffs]
        self.args = dict(vocab_size=vocab_size, arch=arch, embed_dim=embed_dim, hidden_dim=hidden_dim,
                         num_layers=num_layers, dropout=dropout, tie_weights=tie_weights, cutoffs=cutoffs,
                         div_value=div_value)
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.drop = nn.Dropout(dropout)
        self.rnn = CELLS[arch](embed_dim, hidden_dim, num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.adaptive = bool(cutoffs)
        if self.adaptive:
            narrowest = int(hidden_dim // div_value ** len(cutoffs))
            if narrowest < 1:
                raise ValueError(f"adaptive softmax: hidden_dim {hidden_dim} / div_value {div_value} ^ "
                                 f"{len(cutoffs)} clusters leaves no projection width; use a smaller div_value "
                                 "or fewer cutoffs")
            self.head = nn.AdaptiveLogSoftmaxWithLoss(hidden_dim, vocab_size, cutoffs, div_value=div_value,
                                                      head_bias=True)
        else:
            self.head = nn.Linear(hidden_dim, vocab_size)
        # Tying (Press & Wolf 2017) needs the output width to equal the embedding width. The adaptive softmax
        # has one output row per token only in its head: the shortlist's rows are tied, the tail clusters' not.
        self.tied = tie_weights and embed_dim == hidden_dim
        if self.tied and self.adaptive:
            self.head.head = TiedShortlist(self.head.head, self.embed.weight, self.head.shortlist_size)
        elif self.tied:
            self.head.weight = self.embed.weight

    def forward(self, tokens: torch.Tensor, hidden=None, keep: torch.Tensor | None = None,
                targets: torch.Tensor | None = None):
        """tokens [B, T] -> log-probabilities [B, T, V] (exact and normalised), new hidden state.

        With `keep` (bool [B, T]) only the kept positions reach the output
        layer, [N kept, V] in row-major order: padding costs no softmax over
        a large word vocabulary. With `targets` (one per output position:
        [B, T], or [N kept]) their NLL in nats instead, shaped like them:
        the training loss, which the adaptive softmax computes without the
        whole distribution.
        """
        out, hidden = self.rnn(self.drop(self.embed(tokens)), hidden)
        out = self.drop(out)
        if keep is not None:
            out = out[keep]
        return (self.log_probs(out) if targets is None else self.nll(out, targets)), hidden

    def log_probs(self, features: torch.Tensor) -> torch.Tensor:
        """Top-layer outputs [..., H] -> log-probabilities of every token [..., V], float32."""
        flat = features.reshape(-1, features.shape[-1]).float()
        logp = self.head.log_prob(flat) if self.adaptive else self.head(flat).float().log_softmax(dim=-1)
        return logp.view(*features.shape[:-1], -1)

    def nll(self, features: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Top-layer outputs [..., H] and target ids [...] -> NLL in nats [...], float32."""
        flat, y = features.reshape(-1, features.shape[-1]).float(), targets.reshape(-1)
        if self.adaptive:
            return adaptive_nll(self.head, flat, y).view(targets.shape)
        return F.cross_entropy(self.head(flat).float(), y, reduction="none").view(targets.shape)


class TiedShortlist(nn.Module):
    """The adaptive softmax's head layer with the shortlist's rows those of the embedding.

    Logits of the `shortlist` most frequent ids and of each tail cluster: the
    first from the shared embedding rows, the others from the head's own.
    """

    def __init__(self, head: nn.Linear, embedding: nn.Parameter, shortlist: int):
        super().__init__()
        self.shortlist = shortlist
        self.embedding = embedding  # shared, counted once (as a tied full softmax's)
        self.clusters = nn.Parameter(head.weight.detach()[shortlist:].clone())
        self.bias = nn.Parameter(head.bias.detach().clone())

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return F.linear(features, torch.cat([self.embedding[:self.shortlist], self.clusters]), self.bias)


def adaptive_nll(asm: nn.AdaptiveLogSoftmaxWithLoss, features: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """-log p(target) under the adaptive softmax, each target's cluster alone computed: [N].

    What `asm(features, targets)` gives, except that a cluster no target
    falls in still runs (on no rows): every weight gets a gradient, zero or
    not, as DDP needs of every step.
    """
    head = asm.head(features).float().log_softmax(dim=-1)
    bounds = torch.tensor(asm.cutoffs, device=targets.device)
    cluster = torch.bucketize(targets, bounds, right=True)  # 0: the shortlist, i: tail cluster i - 1
    column = torch.where(cluster == 0, targets, asm.shortlist_size + cluster - 1)
    logp = head.gather(1, column[:, None]).squeeze(1)
    for i, low in enumerate(asm.cutoffs[:-1]):
        rows = (cluster == i + 1).nonzero().squeeze(1)
        tail = asm.tail[i](features[rows]).float().log_softmax(dim=-1)
        logp = logp.index_add(0, rows, tail.gather(1, (targets[rows] - low)[:, None]).squeeze(1))
    return -logp


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
