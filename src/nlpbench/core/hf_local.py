"""Hugging Face models from local directories only: offline, never remote code.

The cluster's compute nodes have no internet and the project never reaches a
hub: weights are downloaded once, on a machine that has internet, and copied
into `models/`. A missing directory is an error that says exactly that.
"""

from __future__ import annotations

import os
from pathlib import Path

from nlpbench.core.errors import InputError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # carriage-return bars garble SLURM logs

# What the full study fine-tunes, per config key: the hub id to download on a machine with internet.
HUB_IDS = {"llm.base_model": "meta-llama/Meta-Llama-3-8B", "encoder.base_model": "microsoft/mdeberta-v3-base"}


def require_model_dir(path: str | Path, key: str) -> Path:
    """`path` if it holds a saved model (config.json), else an InputError naming the config key and the fix."""
    path = Path(path)
    if (path / "config.json").is_file():
        return path
    found = "the directory has no config.json" if path.is_dir() else "no such directory"
    hub = HUB_IDS.get(key, "the model")
    raise InputError(
        f"config key '{key}'", f"no model at {path} ({found})",
        f"on a machine with internet run `hf download {hub} --local-dir {path.name}` (or "
        f"`huggingface-cli download ...`), copy that directory to {path} here, and run again; or point "
        f"{key} at a local directory that holds the weights and tokenizer (models load offline, never from a hub).")
