#!/usr/bin/env python
"""Train one review classifier (CNN, RNN, LSTM or GRU), select it on val macro-F1, score it on test once.

    torchrun --standalone --nproc_per_node=N scripts/train_classifier.py \
        --train train.csv --val val.csv --test test.csv --label-map label_map.json --arch lstm \
        --outdir results/partB/models/lstm --ckpt-dir results/checkpoints/partB/lstm [hyperparameters]

Writes model_best.pt, trainlog.csv, summary.json, vocab.json and the test
artifacts (metrics_test.json, confusion_matrix.csv/.png, errors.csv,
error_analysis.md) to --outdir (rank 0).
"""

import argparse
import sys
from pathlib import Path

import pandas as pd
import torch

from nlpbench.classify import pipeline, scoring
from nlpbench.core import cli
from nlpbench.core.config import allowed
from nlpbench.core.io import write_json
from nlpbench.core.settings import TRAIN_CLASSIFIER
from nlpbench.data.vocab import Vocab
from nlpbench.models.classifiers import build_classifier
from nlpbench.train import distributed, flags, trainer


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("train", "val", "test", "label_map", "outdir", "ckpt_dir"):
        ap.add_argument("--" + name.replace("_", "-"), required=True)
    ap.add_argument("--arch", choices=allowed("classifier_arch"), required=True)
    ap.add_argument("--name", help="model name in logs and summary (default ARCH)")
    TRAIN_CLASSIFIER.add_to(ap)  # tokenizer, model and training settings: flags, ranges, defaults from the schema
    flags.add_run_args(ap)
    args = ap.parse_args(argv)
    if not 1 <= args.subword_n[0] <= args.subword_n[1]:
        ap.error(f"--subword-n {args.subword_n[0]} {args.subword_n[1]}: give 1 <= MIN_N <= MAX_N")
    return args


def main(argv=None):
    args = parse(argv)
    ctx = flags.init_run(args)
    name = args.name or args.arch
    frames = {s: pd.read_csv(getattr(args, s), keep_default_na=False) for s in ("train", "val", "test")}
    label_map = scoring.load_label_map(args.label_map)
    k = len(label_map["classes"])
    tok = dict(lowercase=args.lowercase, strip_accents=args.strip_accents)
    vocab = Vocab.from_tokens((pipeline.tokenize_review(t, **tok) for t in frames["train"]["text"]), "word",
                              args.min_freq)
    subwords = pipeline.subword_spec(args.subword_buckets, args.subword_n)
    seqs = {s: pipeline.encode(df["text"], vocab, args.max_len, **tok, subwords=subwords) for s, df in frames.items()}
    vectors, coverage = (pipeline.load_vectors(args.embeddings, vocab, args.embed_dim) if args.embeddings
                         else (None, None))
    torch.manual_seed(args.seed)  # same initial weights on every run and every rank
    model = build_classifier(args.arch, len(vocab), k, embed_dim=args.embed_dim, hidden_dim=args.hidden_dim,
                             num_layers=args.num_layers, bidirectional=args.bidirectional, pooling=args.pooling,
                             kernel_sizes=args.cnn_kernel_sizes, channels=args.cnn_channels, dropout=args.dropout,
                             pad=vocab.pad, vectors=vectors, subword_buckets=args.subword_buckets)
    train_labels = frames["train"]["label"].tolist()
    task = pipeline.ClassifyTask(
        seqs["train"], train_labels, seqs["val"], frames["val"]["label"].tolist(), k, batch_size=args.batch_size,
        seed=args.seed, pad=vocab.pad, ctx=ctx,
        class_weights=pipeline.inverse_frequency_weights(train_labels, k) if args.class_weights else None)
    meta = {"model_args": model.args, "name": name, "tokenizer": tok, "max_len": args.max_len,
            "subwords": subwords}
    run = flags.run_values(args, TRAIN_CLASSIFIER, "train", "val", "arch")
    cfg = flags.fit_config(args, run, name, monitor="val_macro_f1", mode="max")
    outdir = Path(args.outdir)
    if ctx.is_main:
        vocab.to_json(outdir / "vocab.json")
    res = trainer.fit(model, task, cfg, ctx, outdir, args.ckpt_dir, meta=meta)
    if ctx.is_main:
        # The test split, once, with the weights chosen on val.
        probs, speed = pipeline.timed_predict(model, seqs["test"], vocab.pad, ctx.device)
        metrics = scoring.write_eval_artifacts(
            outdir, frames["test"], probs.argmax(1).numpy(), probs.numpy(), label_map,
            extra={"name": name, "inference_reviews_per_s": speed, "device": str(ctx.device)})
        write_json(outdir / "summary.json", summary(name, args, run, model, vocab, res, ctx, coverage))
        trainer.clear_checkpoint(args.ckpt_dir)
        print(f"[{name}] test accuracy {metrics['accuracy']:.4f} macro-F1 {metrics['macro_f1']:.4f}",
              file=sys.stderr)
    distributed.shutdown(ctx)


def summary(name, args, run, model, vocab, res, ctx, coverage) -> dict:
    return {
        "name": name, "arch": args.arch, "family": "convolutional" if args.arch == "cnn" else "recurrent",
        **trainer.run_summary(model, res, ctx, args.epochs, "reviews", args.seed),
        "vocab_size": len(vocab), "embeddings_coverage": coverage, "batch_size": args.batch_size, "lr": args.lr,
        "config": run,
    }

if __name__ == "__main__":
    sys.exit(cli.run(main))
