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
    the precision and every setting the script takes from the config (the fingerprint adds what the
    PATHS among them hold)."""
    return {**{k: getattr(args, k) for k in inputs}, "seed": args.seed, "precision": args.precision,
            **settings.values(args)}


def fit_config(args: argparse.Namespace, run: dict, name: str, **fields) -> FitConfig:
    """FitConfig from a training script's flags.

    `run`, the settings that define the run, fingerprints its checkpoint.
    """
    return FitConfig(epochs=args.epochs, lr=args.lr, weight_decay=args.weight_decay, patience=args.patience,
                     precision=args.precision, seed=args.seed, progress_every_s=args.progress_every, name=name,
                     tensorboard=str(Path(args.outdir) / "tensorboard") if args.tensorboard else None,
                     fingerprint=fingerprint(run), **fields)


# The run values that name files or model directories: a path says nothing of what it holds (a re-split
# keeps train.txt's name, a base model is replaced in place), so the fingerprint covers their contents.
PATHS = ("train", "val", "base_model", "embeddings")
WHOLE_FILE_MAX = 16 * 2**20  # bigger files in a model directory (its weights) count by name and size


def fingerprint(run: dict) -> str:
    """A digest of the run's values and of the contents of the files and directories they name."""
    contents = {k: contents_digest(run[k]) for k in PATHS if run.get(k)}
    return hashlib.sha1(json.dumps({"run": run, "contents": contents}, sort_keys=True).encode()).hexdigest()


def contents_digest(path: str | Path) -> str | None:
    """A file's SHA-256; for a directory, that of its small files' contents and its big files' names and sizes
    (hidden entries, such as a download cache, left out); None for a value that names no path (an alias)."""
    path = Path(path)
    if path.is_file():
        return _file_sha256(path)
    if not path.is_dir():
        return None
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path))):
        size = f.stat().st_size
        h.update(f"{f.relative_to(path).as_posix()}\0{size}\0".encode())
        h.update((_file_sha256(f) if size <= WHOLE_FILE_MAX else "").encode() + b"\n")
    return h.hexdigest()


def _file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)
