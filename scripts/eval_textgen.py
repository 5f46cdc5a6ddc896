#!/usr/bin/env python
"""Score a trained LM on val and test: PPL in its own unit, bits per character, per-song NLL.

    python scripts/eval_textgen.py --model-dir results/partA/models/lstm_char \
        --train train.txt --val val.txt --test test.txt --output eval.json

A recurrent model directory, or a LoRA one from finetune_llm.py (it has
adapter/): the LLM is scored per token and, over the same raw text as the
recurrent models, in bits per character. --base-model and --quantization
rebuild its base (default: what its summary.json records); recurrent models
ignore them.
"""

import argparse
import json
import sys
from pathlib import Path

import torch

from nlpbench.core import cli
from nlpbench.core.io import write_json
from nlpbench.core.settings import DEVICE
from nlpbench.lm import llm, perplexity, recurrent
from nlpbench.lm.batching import read_songs
from nlpbench.train import distributed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--train", required=True, help="training split (fits the spelling of unknown words)")
    ap.add_argument("--val", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--output", required=True)
    DEVICE.add_to(ap)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--base-model", help="LLM only: local directory of the base model")
    ap.add_argument("--quantization", choices=llm.QUANTIZATIONS, help="LLM only: how to load the base")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    ctx = distributed.Context(device=distributed.pick_device(args.device))
    splits = {"val": read_songs(args.val), "test": read_songs(args.test)}
    if llm.is_llm_dir(args.model_dir):
        model, codec, info = llm.load_trained(args.model_dir, ctx.device, args.base_model, args.quantization)
        scorer = llm.Scorer(model, codec, info["block_size"], ctx)
    else:
        model, vocab = recurrent.load(args.model_dir, ctx.device)
        scorer = recurrent.Scorer(model, vocab, read_songs(args.train), ctx)
    scores = perplexity.evaluate_splits(scorer, splits)
    unit = scorer.unit
    write_json(args.output, {**identity(args.model_dir), "ppl_unit": unit, "oov_counting": scorer.oov_counting,
                             "device": str(ctx.device), **scores})
    print(f"{args.model_dir}: val bpc {scores['val']['bpc']:.4f} test bpc {scores['test']['bpc']:.4f} "
          f"test ppl {scores['test']['ppl']:.2f} ({unit})", file=sys.stderr)


def identity(model_dir: str) -> dict:
    """The model's name and seed from its summary.json (else the directory's name), for the report's checks."""
    path = Path(model_dir, "summary.json")
    summary = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return {"name": summary.get("name", Path(model_dir).name), "seed": summary.get("seed")}


if __name__ == "__main__":
    sys.exit(cli.run(main))
