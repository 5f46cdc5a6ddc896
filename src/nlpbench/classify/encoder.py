"""Part B's transformer arm: a pretrained encoder fine-tuned as a review classifier.

The encoder (mDeBERTa-v3-base in the full study, a tiny DeBERTa-v2 in the
demo, all-MiniLM-L6-v2 as a small real one for CPUs) loads offline from a
local directory through the Auto classes, its head sized to the label map.
Behind `EncoderClassifier` it is called like the project's own classifiers,
`logits = model(ids, lengths)`, so the CNN/RNN task (`ClassifyTask`: the same
seeded global batches sharded over ranks, cross-entropy, val metrics reduced
over ranks) and its prediction helpers (length-sorted batches, so dynamic
padding wastes little) serve it unchanged. What is new here: subword ids
tokenized once, and the pretrained model behind the common call.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import torch

from nlpbench.classify import pipeline
from nlpbench.classify.base_model import KEY
from nlpbench.core.errors import InputError
from nlpbench.core.hf_local import load_tokenizer  # also sets HF_HUB_OFFLINE first
from nlpbench.train import distributed

_NO_LIMIT = 10**6  # tokenizers without a length limit report ~1e30


# ---------------------------------------------------------------- loading

def load_encoder(path: str | Path, class_names: list[str]):
    """(tokenizer, HF sequence classifier with len(class_names) outputs), offline, in fp32.

    A checkpoint without a classification head (e.g. microsoft/mdeberta-v3-base)
    gets a new one; a head of another size is replaced (ignore_mismatched_sizes).
    The new head's init draws from torch's global RNG: seed it first.
    """
    from transformers import AutoModelForSequenceClassification
    path = Path(path)
    tokenizer = load_tokenizer(path, KEY)  # checks the directory, then the tokenizer against the model
    if tokenizer.pad_token_id is None:  # dynamic padding needs one
        raise InputError(path, "the tokenizer has no padding token", "use an encoder whose tokenizer defines one.")
    model = AutoModelForSequenceClassification.from_pretrained(
        path, local_files_only=True, trust_remote_code=False, ignore_mismatched_sizes=True,
        # fp32 master weights whatever the checkpoint's dtype (transformers 5 defaults to "auto");
        # bf16 comes from autocast on GPU only.
        dtype=torch.float32,
        id2label=dict(enumerate(class_names)), label2id={n: i for i, n in enumerate(class_names)})
    return tokenizer, model


def check_max_length(tokenizer, max_length: int) -> None:
    """Absolute-position encoders (BERT: 512) fail past their limit with an index error; say so first."""
    limit = tokenizer.model_max_length
    if limit < _NO_LIMIT and max_length > limit:
        raise InputError("config key 'encoder.train.max_length'", f"{max_length} tokens is more than the "
                         f"model's limit of {limit}", f"set it to {limit} or less.")


def read_split(path: str | Path, k: int) -> pd.DataFrame:
    """A split CSV of split_reviews.py, checked: a text column and integer labels 0..K-1."""
    frame = pd.read_csv(path, keep_default_na=False)
    for col in ("text", "label"):
        if col not in frame.columns:
            raise InputError(path, f"no '{col}' column", "pass the CSVs that split_reviews.py writes.")
    labels = pd.to_numeric(frame["label"], errors="coerce")
    bad = frame.index[labels.isna() | (labels < 0) | (labels >= k) | (labels % 1 != 0)]
    if len(bad):
        raise InputError(f"{path}, data row {bad[0] + 1}", f"label {frame['label'].iloc[bad[0]]!r} is not a class "
                         f"id 0..{k - 1} of the label map", "re-run split_reviews.py so splits and label map match.")
    return frame.assign(label=labels.astype(int), text=frame["text"].astype(str))


# ---------------------------------------------------------------- model and task

class EncoderClassifier(torch.nn.Module):
    """A HF sequence classifier behind the project classifiers' call: logits = model(ids, lengths)."""

    def __init__(self, hf_model: torch.nn.Module):
        super().__init__()
        self.hf = hf_model

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        mask = torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths.to(ids.device)[:, None]
        return self.hf(input_ids=ids, attention_mask=mask.long()).logits


def encode(tokenizer, texts, max_length: int) -> list[torch.Tensor]:
    """Subword ids with the model's special tokens, cut to `max_length`; never empty ([CLS] [SEP] at least)."""
    ids = tokenizer([str(t) for t in texts], truncation=True, max_length=max_length)["input_ids"]
    return [torch.tensor(row, dtype=torch.long) for row in ids]


class EncoderTask(pipeline.ClassifyTask):
    """ClassifyTask over subword ids: same global batches and sharding, cross-entropy, val loss/accuracy/macro-F1."""

    monitor, mode = "val_macro_f1", "max"  # model selection: every class weighs the same

    def __init__(self, tokenizer, train_texts, train_labels: list[int], val_texts, val_labels: list[int],
                 num_classes: int, *, max_length: int, batch_size: int, seed: int, ctx: distributed.Context,
                 eval_batch: int = 64):
        super().__init__(encode(tokenizer, train_texts, max_length), list(train_labels),
                         encode(tokenizer, val_texts, max_length), [int(v) for v in val_labels], num_classes,
                         batch_size=batch_size, seed=seed, pad=tokenizer.pad_token_id, ctx=ctx,
                         eval_batch=eval_batch)


def save_pretrained(model: EncoderClassifier, tokenizer, outdir: str | Path) -> Path:
    """The fine-tuned model and tokenizer, loadable with the Auto classes; written beside and renamed into place."""
    outdir = Path(outdir)
    tmp = outdir.with_name(outdir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.hf.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(outdir, ignore_errors=True)
    tmp.rename(outdir)
    return outdir
