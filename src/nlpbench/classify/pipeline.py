"""Part B classifiers: review tokens, the training task, prediction, pretrained vectors.

Reviews are tokenized once into id tensors; an epoch shuffles them with a
seeded generator and cuts global batches, each rank taking its share, so a
DDP run sees the batches a single process would.
"""

from __future__ import annotations

import re
import time
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence

from nlpbench.classify.scoring import macro_f1_from_confusion
from nlpbench.core.errors import InputError
from nlpbench.data.textnorm import strip_accents as _strip_accents
from nlpbench.data.vocab import Vocab
from nlpbench.train import distributed
from nlpbench.train.trainer import Task

_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize_review(text: str, lowercase: bool = True, strip_accents: bool = False) -> list[str]:
    text = text.lower() if lowercase else text
    return _TOKEN.findall(_strip_accents(text) if strip_accents else text)


def char_ngrams(word: str, min_n: int, max_n: int, buckets: int) -> list[int]:
    """Hashed character n-grams of `<word>` (fastText's subwords), ids 1..buckets; 0 is padding.

    crc32, not hash(): Python salts str hashes per process, and a model's
    buckets must mean the same thing in every run and on every rank.
    """
    marked = f"<{word}>"
    grams = (marked[i:i + n] for n in range(min_n, max_n + 1) for i in range(len(marked) - n + 1))
    return [zlib.crc32(g.encode("utf-8")) % buckets + 1 for g in grams]


def subword_spec(buckets: int, lengths) -> dict | None:
    """encode()'s `subwords` from the config's subword_buckets and subword_n: None for 0 buckets."""
    return dict(min_n=int(lengths[0]), max_n=int(lengths[1]), buckets=buckets) if buckets else None


def encode(texts, vocab: Vocab, max_len: int, lowercase: bool, strip_accents: bool,
           subwords: dict | None = None) -> list[torch.Tensor]:
    """Id tensors, cut to `max_len`; an empty review becomes one <unk> so every length is >= 1.

    Without `subwords` a review is [T] word ids. With `subwords` ({min_n,
    max_n, buckets}) it is [T, 1 + K]: the word id, then the word's hashed
    char n-grams padded with 0, so a word unseen in train still has a vector.
    """
    out, grams = [], {}
    for text in texts:
        words = tokenize_review(text, lowercase, strip_accents)[:max_len]
        ids = torch.tensor(vocab.ids(words) or [vocab.unk], dtype=torch.long)
        if subwords:
            rows = [grams[w] if w in grams else grams.setdefault(w, torch.tensor(char_ngrams(w, **subwords),
                                                                                 dtype=torch.long))
                    for w in words] or [torch.zeros(0, dtype=torch.long)]
            ids = torch.cat([ids[:, None], pad_sequence(rows, batch_first=True)], dim=1)
        out.append(ids)
    return out


def collate(seqs: list[torch.Tensor], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded ids [B, T] (or [B, T, 1 + K] with subwords: padding is word `pad`, no n-grams) and lengths [B]."""
    lengths = torch.tensor([len(s) for s in seqs])
    if seqs[0].dim() == 1:
        return pad_sequence(seqs, batch_first=True, padding_value=pad), lengths
    batch = torch.zeros(len(seqs), int(lengths.max()), max(s.size(1) for s in seqs), dtype=torch.long)
    batch[:, :, 0] = pad
    for b, s in enumerate(seqs):
        batch[b, :len(s), :s.size(1)] = s
    return batch, lengths


class ClassifyTask(Task):
    """Shuffled global batches (the last partial one dropped), cross-entropy, val macro-F1."""

    items = "reviews"

    def __init__(self, train: list[torch.Tensor], train_labels: list[int], val: list[torch.Tensor],
                 val_labels: list[int], num_classes: int, *, batch_size: int, seed: int, pad: int,
                 ctx: distributed.Context, class_weights: torch.Tensor | None = None, eval_batch: int = 256):
        if batch_size % ctx.world:
            raise InputError("classify.train.batch_size", f"{batch_size} reviews do not split over "
                             f"{ctx.world} processes", "use a batch size divisible by the number of processes.")
        if len(train) < batch_size:
            raise InputError("classify.train.batch_size", f"{batch_size} is more than the {len(train)} "
                             "training reviews", "lower the batch size.")
        self.train, self.train_labels = train, torch.tensor(train_labels)
        self.val, self.val_labels = val, torch.tensor(val_labels)
        self.k, self.batch_size, self.seed, self.pad, self.ctx = num_classes, batch_size, seed, pad, ctx
        self.weights = class_weights.to(ctx.device) if class_weights is not None else None
        self.eval_batch = eval_batch

    def steps_per_epoch(self) -> int:
        return len(self.train) // self.batch_size

    def batches(self, epoch: int):
        order = torch.randperm(len(self.train), generator=torch.Generator().manual_seed(self.seed * 1000 + epoch))
        for b in range(self.steps_per_epoch()):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size][self.ctx.rank::self.ctx.world]
            ids, lengths = collate([self.train[i] for i in idx], self.pad)
            yield ids.to(self.ctx.device), lengths, self.train_labels[idx].to(self.ctx.device)

    def loss(self, model, batch):
        ids, lengths, labels = batch
        return F.cross_entropy(model(ids, lengths).float(), labels, weight=self.weights), len(labels)

    def evaluate(self, model) -> dict[str, float]:
        rows = range(self.ctx.rank, len(self.val), self.ctx.world)
        probs = predict_proba(model, [self.val[i] for i in rows], self.pad, self.ctx.device, self.eval_batch)
        labels = self.val_labels[list(rows)]
        nll = F.nll_loss(torch.log(probs.clamp_min(1e-12)), labels, reduction="sum").item()
        cm = np.bincount(labels.numpy() * self.k + probs.argmax(1).numpy(), minlength=self.k ** 2)
        sums = distributed.all_sum([nll, float(len(labels)), *cm.astype(float)], self.ctx)
        cm = np.array(sums[2:]).reshape(self.k, self.k)
        return {"val_loss": sums[0] / sums[1], "val_accuracy": float(np.trace(cm) / cm.sum()),
                "val_macro_f1": float(macro_f1_from_confusion(cm))}


def by_length(seqs: list[torch.Tensor]) -> list[int]:
    """Indices that sort `seqs` by length (stable): batches of similar lengths pad little."""
    return sorted(range(len(seqs)), key=lambda i: len(seqs[i]))


@torch.no_grad()
def predict_proba(model, seqs: list[torch.Tensor], pad: int, device, batch: int = 256) -> torch.Tensor:
    """Class probabilities [n, K] on CPU, in the order given.

    Batches are cut from the reviews sorted by length, so little time goes to
    padding; padding never changes a prediction, so the order cannot either.
    """
    model.eval()
    order = by_length(seqs)
    out = []
    for i in range(0, len(seqs), batch):
        ids, lengths = collate([seqs[j] for j in order[i:i + batch]], pad)
        out.append(torch.softmax(model(ids.to(device), lengths).float(), dim=-1).cpu())
    if not out:
        return torch.empty(0)
    probs = torch.empty(len(seqs), out[0].size(1))
    probs[torch.tensor(order, dtype=torch.long)] = torch.cat(out)
    return probs


def timed_predict(model, seqs, pad, device) -> tuple[torch.Tensor, float]:
    """Probabilities and reviews per second (synchronised on GPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    probs = predict_proba(model, seqs, pad, device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return probs, len(seqs) / max(time.perf_counter() - t0, 1e-9)


def inverse_frequency_weights(labels: list[int], k: int) -> torch.Tensor:
    counts = np.bincount(labels, minlength=k).astype(float)
    return torch.tensor(counts.sum() / (k * np.maximum(counts, 1)), dtype=torch.float)


def load_vectors(path: str | Path, vocab: Vocab, dim: int) -> tuple[torch.Tensor, float]:
    """Pretrained word vectors (word2vec/GloVe text format) for the vocabulary: (matrix, coverage).

    Words without a vector keep a small random init; the header line of the
    word2vec format is optional.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("config key 'classify.model.embeddings'", f"no file at {path}",
                         "give the path of a local word2vec/GloVe text file, or null to train embeddings.")
    gen = torch.Generator().manual_seed(0)
    matrix = torch.randn(len(vocab), dim, generator=gen) * 0.1
    found = 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh):
            parts = line.rstrip().split(" ")
            if n == 0 and len(parts) == 2:
                continue  # "count dim" header
            if len(parts) != dim + 1:
                raise InputError(f"{path}:{n + 1}", f"a vector of {len(parts) - 1} numbers, expected {dim}",
                                 "set classify.model.embed_dim to the file's dimension.")
            if parts[0] in vocab.stoi:
                matrix[vocab.stoi[parts[0]]] = torch.tensor([float(v) for v in parts[1:]])
                found += 1
    return matrix, found / max(1, len(vocab) - 4)
