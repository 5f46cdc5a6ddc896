"""Hugging Face models from local directories only: offline, never remote code.

The cluster's compute nodes have no internet and the project never reaches a
hub: weights are downloaded once, on a machine that has internet, and copied
into `models/`. A directory that lacks what loading needs (config, weights,
tokenizer) is an error that says exactly that, before anything is trained:
transformers would otherwise build a default tokenizer of a few special tokens
and train on `[UNK]`, or fail with an error about sentencepiece.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

from nlpbench.core.errors import InputError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # carriage-return bars garble SLURM logs

# What the full study fine-tunes, per config key: the hub id to download on a machine with internet.
HUB_IDS = {"llm.base_model": "meta-llama/Meta-Llama-3-8B", "encoder.base_model": "microsoft/mdeberta-v3-base"}

# Weights as from_pretrained looks for them, in its order: one file, or an index naming its shards.
WEIGHTS = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
# A tokenizer is the `tokenizers` serialization (Llama-3, MiniLM, our tiny models), or a vocabulary file
# that tokenizer_config.json says how to read (mDeBERTa-v3: spm.model; Llama-2: tokenizer.model; BERT: vocab.txt).
TOKENIZER_JSON, TOKENIZER_CONFIG = "tokenizer.json", "tokenizer_config.json"
VOCAB_FILES = ("spm.model", "tokenizer.model", "sentencepiece.bpe.model", "vocab.txt", "vocab.json")
# Below this share of the model's vocab_size a tokenizer is not the model's own (a default one has 7 tokens).
MIN_VOCAB_SHARE = 0.5
_LFS_POINTER = b"version https://git-lfs"


def require_model_dir(path: str | Path, key: str) -> Path:
    """`path` if it holds what loading a model needs (config, weights, tokenizer), else an InputError
    naming the config key, the directory, the missing files and how to get them."""
    path = Path(path)
    if not path.is_dir():
        found = "a file, not a directory" if path.exists() else "no such directory"
        raise InputError(f"config key '{key}'", f"no model at {path} ({found})", download_hint(path, key))
    missing = missing_files(path)
    if missing:
        raise InputError(f"config key '{key}'", f"the model directory {path} lacks {'; '.join(missing)}",
                         download_hint(path, key))
    return path


def missing_files(path: Path) -> list[str]:
    """What from_pretrained needs that the directory lacks, each as the user would look for it."""
    missing = [] if (path / "config.json").is_file() else ["config.json"]
    missing += _missing_weights(path)
    if not _has_tokenizer(path):
        missing.append(f"tokenizer files ({TOKENIZER_JSON}, or {TOKENIZER_CONFIG} with one of "
                       f"{', '.join(VOCAB_FILES)})")
    stubs = sorted(p.name for p in path.iterdir() if p.is_file() and _lfs_pointer(p))
    return missing + [f"{name} (a Git LFS pointer, not the file: run `git lfs pull` there)" for name in stubs]


def _missing_weights(path: Path) -> list[str]:
    for name in WEIGHTS:
        if (path / name).is_file():
            return _missing_shards(path / name) if name.endswith(".index.json") else []
    return [f"weights ({' or '.join(WEIGHTS[::2])}, or a sharded {' or '.join(WEIGHTS[1::2])} with its shards)"]


def _missing_shards(index: Path) -> list[str]:
    try:
        shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
    except (ValueError, KeyError, AttributeError):
        return [f"a readable {index.name} (JSON with a weight_map)"]
    return [f"shard {s}" for s in shards if not (index.parent / s).is_file()]


def _has_tokenizer(path: Path) -> bool:
    if (path / TOKENIZER_JSON).is_file():
        return True
    return (path / TOKENIZER_CONFIG).is_file() and any((path / n).is_file() for n in VOCAB_FILES)


def _lfs_pointer(path: Path) -> bool:
    """A `git clone` without git-lfs leaves ~130-byte text stubs where the weights should be."""
    with path.open("rb") as fh:
        return fh.read(len(_LFS_POINTER)) == _LFS_POINTER


def download_hint(path: Path, key: str) -> str:
    """How to get the whole model (config, weights, tokenizer); the directory quoted, so the command pastes safely."""
    hub, name = HUB_IDS.get(key, "the model"), shlex.quote(path.name or path.resolve().name)
    return (f"on a machine with internet run `hf download {hub} --local-dir {name}` (or "
            f"`huggingface-cli download ...`), which fetches config, weights and tokenizer together; copy that "
            f"directory to {path} here, and run again; or point {key} at a local directory that holds the weights "
            f"and tokenizer (models load offline, never from a hub).")


def load_tokenizer(path: str | Path, key: str):
    """The model directory's own tokenizer, offline, checked against the model's vocabulary size."""
    from transformers import AutoTokenizer
    path = require_model_dir(path, key)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False)
    except (OSError, ValueError) as err:  # e.g. a vocabulary file of another format than tokenizer_config.json says
        raise InputError(f"config key '{key}'", f"the tokenizer in {path} does not load: {_one_line(err)}",
                         download_hint(path, key)) from err
    check_vocab_size(tokenizer, path, key)
    return tokenizer


def check_vocab_size(tokenizer, path: Path, key: str) -> None:
    """A tokenizer far smaller than the model's embedding table is not the model's own: refuse it."""
    expected = config_vocab_size(path, key)
    if expected and len(tokenizer) < MIN_VOCAB_SHARE * expected:
        raise InputError(f"config key '{key}'", f"the tokenizer in {path} has {len(tokenizer)} tokens but the "
                         f"model's config.json says vocab_size {expected}: it is not the model's own tokenizer",
                         "put the tokenizer files that came with these weights beside them; "
                         + download_hint(path, key))


def config_vocab_size(path: Path, key: str) -> int | None:
    """vocab_size of config.json (top level, or its text model's); None where it says none."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except ValueError as err:
        raise InputError(path / "config.json", f"is not valid JSON ({err})", download_hint(path, key)) from err
    size = config.get("vocab_size") or (config.get("text_config") or {}).get("vocab_size")
    return int(size) if size else None


def _one_line(err: Exception, limit: int = 300) -> str:
    """transformers' message in one log line (its first line alone can say nothing, e.g. "from one of:")."""
    return " ".join(str(err).split())[:limit] or type(err).__name__
