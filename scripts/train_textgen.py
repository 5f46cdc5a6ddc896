#!/usr/bin/env python
"""Train one recurrent language model (RNN, LSTM or GRU; char or word level).

    torchrun --standalone --nproc_per_node=N scripts/train_textgen.py \
        --train train.txt --val val.txt --arch lstm --level char \
        --outdir results/partA/models/lstm_char --ckpt-dir results/checkpoints/lstm_char [hyperparameters]

Also runs as plain `python`. Writes model_best.pt, trainlog.csv, summary.json,
vocab.json and sample_epoch{N}.txt to --outdir (rank 0); keeps last.pt in
--ckpt-dir so a killed run resumes, and removes it once everything is written.
"""

import argparse
import sys
from pathlib import Path

import torch

from nlpbench.core import cli
from nlpbench.core.config import allowed
from nlpbench.core.io import write_json
from nlpbench.core.settings import TRAIN_TEXTGEN
from nlpbench.data.vocab import Vocab
from nlpbench.lm import recurrent
from nlpbench.lm.batching import encode_songs, eval_chars, oov_stats, read_songs
from nlpbench.train import distributed, flags, trainer


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--arch", choices=allowed("recurrent_cell"), required=True)
    ap.add_argument("--level", choices=allowed("token_level"), required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--ckpt-dir", required=True, help="where last.pt lives (not a declared output)")
    ap.add_argument("--name", help="model name in logs and summary (default ARCH_LEVEL)")
    ap.add_argument("--sample-tokens", type=int, default=200, help="length of the per-epoch sample")
    TRAIN_TEXTGEN.add_to(ap)  # model and training settings: flags, types, ranges, defaults from the schema
    flags.add_run_args(ap)
    return ap.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    ctx = flags.init_run(args)
    name = args.name or f"{args.arch}_{args.level}"
    train_songs, val_songs = read_songs(args.train), read_songs(args.val)
    vocab = Vocab.build(train_songs, args.level, args.word_min_freq if args.level == "word" else 1)
    torch.manual_seed(args.seed)  # same initial weights on every run and every rank
    model = recurrent.build_model(vocab, args.arch, embed_dim=args.embed_dim, hidden_dim=args.hidden_dim,
                                num_layers=args.num_layers, dropout=args.dropout, tie_weights=args.tie_weights,
                                adaptive_softmax=args.adaptive_softmax, adaptive_min_vocab=args.adaptive_min_vocab,
                                adaptive_cutoffs=args.adaptive_cutoffs, adaptive_div_value=args.adaptive_div_value)
    spelling = recurrent.song_spelling(val_songs, vocab, recurrent.unknown_token_cost(vocab, train_songs))
    task = recurrent.LMTask(encode_songs(train_songs, vocab), encode_songs(val_songs, vocab), vocab,
                          batch_size=args.batch_size, seq_len=args.seq_len, seed=args.seed, ctx=ctx,
                          val_chars=eval_chars(val_songs), val_spelling=sum(spelling), name=name,
                          sample_tokens=args.sample_tokens)
    meta = {"model_args": model.args, "name": name, "level": args.level}
    run = flags.run_values(args, TRAIN_TEXTGEN, "train", "val", "arch", "level")
    cfg = flags.fit_config(args, run, name, clip=args.clip, warmup_ratio=args.warmup_ratio)
    outdir = Path(args.outdir)
    if ctx.is_main:
        vocab.to_json(outdir / "vocab.json")
    res = trainer.fit(model, task, cfg, ctx, outdir, args.ckpt_dir, meta=meta)
    if ctx.is_main:
        write_json(outdir / "summary.json", summary(name, args, run, model, vocab, res, ctx, val_songs))
        trainer.clear_checkpoint(args.ckpt_dir)
    distributed.shutdown(ctx)


def summary(name, args, run, model, vocab, res, ctx, val_songs) -> dict:
    return {
        "name": name, "arch": args.arch, "level": args.level, "family": "recurrent",
        **trainer.run_summary(model, res, ctx, args.epochs, "tokens", args.seed),
        "tied_weights": model.tied, "softmax": "adaptive" if model.adaptive else "full",
        "adaptive_cutoffs": model.args["cutoffs"], "vocab_size": len(vocab), "seq_len": args.seq_len,
        "ppl_unit": args.level,
        "oov_rate_val": oov_stats(val_songs, vocab)["oov_rate"] if args.level == "word" else None,
        "oov_counting": recurrent.OOV_NOTE[args.level],
        "config": run,
    }

if __name__ == "__main__":
    sys.exit(cli.run(main))
