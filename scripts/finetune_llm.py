#!/usr/bin/env python
"""LoRA fine-tuning of a local causal LM on the songs (Part A's transformer arm).

    torchrun --standalone --nproc_per_node=N scripts/finetune_llm.py --train train.txt --val val.txt \
        --base-model models/llama-3-8b --outdir results/partA/models/llm_lora \
        --ckpt-dir results/checkpoints/partA/llm_lora --quantization nf4 [LoRA and training flags]

Also runs as plain `python`. The base model loads offline from --base-model
(never remote code), optionally 4-bit (nf4) or 8-bit through bitsandbytes.
Writes adapter/ (the best epoch's peft adapter), model_best.pt, trainlog.csv,
summary.json and samples_epoch{N}.md to --outdir (rank 0); keeps last.pt in
--ckpt-dir so a killed run resumes, and removes it once everything is written.
--batch-size counts blocks per optimizer micro-step over all processes
together, so N processes take the steps one process would.
"""

import argparse
import sys
from pathlib import Path

import torch

from nlpbench.core import cli
from nlpbench.core.hf_local import require_model_dir
from nlpbench.core.io import write_json
from nlpbench.core.settings import FINETUNE_LLM
from nlpbench.lm import llm
from nlpbench.lm.batching import read_songs
from nlpbench.train import distributed, flags, trainer


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--base-model", required=True, help="local directory with the base model and its tokenizer")
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--ckpt-dir", required=True, help="where last.pt lives (not a declared output)")
    ap.add_argument("--name", default="llm_lora", help="model name in logs and summary")
    FINETUNE_LLM.add_to(ap)  # quantization, LoRA and training settings: flags, ranges, defaults from the schema
    flags.add_run_args(ap)
    ap.add_argument("--sample-max-tokens", type=int, default=200, help="length of the per-epoch sample")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    require_model_dir(args.base_model, "llm.base_model")  # before anything heavy
    ctx = flags.init_run(args)
    train_songs, val_songs = read_songs(args.train), read_songs(args.val)
    model, tokenizer = llm.load_base(args.base_model, args.quantization, ctx.device, args.precision)
    arch = model.config.model_type
    torch.manual_seed(args.seed)  # the same adapter initialisation on every run and every rank
    model = llm.add_lora(model, args.lora_r, args.lora_alpha, args.lora_dropout, args.lora_target_modules,
                         quantized=args.quantization != "none", gradient_checkpointing=args.gradient_checkpointing)
    codec = llm.SongCodec(tokenizer)
    task = llm.LLMTask(codec, train_songs, val_songs, batch_size=args.batch_size, block_size=args.block_size,
                       seed=args.seed, ctx=ctx, name=args.name, sample_tokens=args.sample_max_tokens)
    run = flags.run_values(args, FINETUNE_LLM, "train", "val", "base_model")
    meta = {"name": args.name, "level": "subword", "base_model": args.base_model,
            "quantization": args.quantization, "block_size": args.block_size, "lora": lora_settings(args)}
    cfg = flags.fit_config(args, run, args.name, clip=args.clip, warmup_ratio=args.warmup_ratio,
                             grad_accum=args.grad_accum, monitor="val_loss", mode="min", trainable_only=True)
    res = trainer.fit(model, task, cfg, ctx, args.outdir, args.ckpt_dir, meta=meta)
    if ctx.is_main:  # fit left the best epoch's adapter weights in the model
        outdir = Path(args.outdir)
        llm.save_adapter(model, outdir / llm.ADAPTER)
        write_json(outdir / "summary.json", summary(args, arch, run, model, len(tokenizer), res, ctx))
        trainer.clear_checkpoint(args.ckpt_dir)
    distributed.shutdown(ctx)


def lora_settings(args) -> dict:
    return {"r": args.lora_r, "alpha": args.lora_alpha, "dropout": args.lora_dropout,
            "target_modules": list(args.lora_target_modules)}


def summary(args, arch, run, model, vocab_size, res, ctx) -> dict:
    total, trainable = llm.parameter_counts(model)
    return {
        "name": args.name, "arch": arch, "level": "subword", "family": "transformer",
        **trainer.run_summary(model, res, ctx, args.epochs, "tokens", args.seed),
        "params_total": total, "params_trainable": trainable,  # 4-bit weights counted unpacked
        "vocab_size": vocab_size, "seq_len": args.block_size,
        "ppl_unit": "token", "quantization": args.quantization, "lora": lora_settings(args),
        "base_model": args.base_model, "gradient_checkpointing": args.gradient_checkpointing,
        "oov_rate_val": None, "oov_counting": None,
        "config": run,
    }


if __name__ == "__main__":
    sys.exit(cli.run(main))
