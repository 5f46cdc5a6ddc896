"""The flags every training script shares, and how they become a run: its context and FitConfig.

Command-line plumbing, kept out of the training loop: `trainer.fit` only
sees a FitConfig.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import torch

from nlpbench.core.settings import RUN, Settings, default, seed_type
from nlpbench.train import distributed
from nlpbench.train.trainer import FitConfig


def add_run_args(ap: argparse.ArgumentParser) -> None:
    """The flags every training script shares: seed, device, precision, TensorBoard (from the schema), threads
    and progress (the job's own)."""
    ap.add_argument("--seed", type=seed_type(), default=default("seeds")[0], help="training seed (the rule passes the "
                    "seed{N} of the run's path; default: the schema's first seed)")
    RUN.add_to(ap)  # no fp16 among the precisions: DeBERTa-v3 overflows in it, and bf16 needs no loss scaling
    ap.add_argument("--threads", type=int, default=0, help="CPU threads for the job, shared by its processes "
                    "(0: torch's default)")
    ap.add_argument("--progress-every", type=float, default=30.0, help="seconds between progress lines")


def init_run(args: argparse.Namespace) -> distributed.Context:
    """This process's rank and device (torchrun or not) and its share of --threads."""
    ctx = distributed.init(args.device)
    if args.threads:
        torch.set_num_threads(max(1, args.threads // ctx.world))
    return ctx


def run_values(args: argparse.Namespace, settings: Settings, *inputs: str) -> dict:
    """What defines a run, so its checkpoint is resumed only by the same run: the named inputs, the seed,
    the precision and every setting the script takes from the config."""
    return {**{k: getattr(args, k) for k in inputs}, "seed": args.seed, "precision": args.precision,
            **settings.values(args)}


def fit_config(args: argparse.Namespace, run: dict, name: str, **fields) -> FitConfig:
    """FitConfig from a training script's flags.

    `run`, the settings that define the run, fingerprints its checkpoint.
    """
    return FitConfig(epochs=args.epochs, lr=args.lr, weight_decay=args.weight_decay, patience=args.patience,
                     precision=args.precision, seed=args.seed, progress_every_s=args.progress_every, name=name,
                     tensorboard=str(Path(args.outdir) / "tensorboard") if args.tensorboard else None,
                     fingerprint=hashlib.sha1(json.dumps(run, sort_keys=True).encode()).hexdigest(), **fields)
