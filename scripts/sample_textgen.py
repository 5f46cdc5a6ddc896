#!/usr/bin/env python
"""Generate songs from a trained LM with the shared sampler, and score them.

    python scripts/sample_textgen.py --model-dir results/partA/models/lstm_char --train train.txt \
        --num-songs 3 --max-tokens 600 --temperature 0.8 --top-p 0.95 --top-k 0 \
        --out-md samples.md --out-jsonl samples.jsonl

With --grid-output, samples the temperature x top-p x top-k grid instead and
writes one CSV row per setting (the decoding ablation).

A LoRA model directory from finetune_llm.py (it has adapter/) works the
same: songs end at EOS or `<|endsong|>`, and are scored on words.
--base-model and --quantization rebuild its base (default: what its
summary.json records); recurrent models ignore them.
"""

import argparse
import json
import sys

import torch

from nlpbench.core import cli
from nlpbench.core.io import atomic_path, write_text
from nlpbench.core.settings import DECODING_GRID, DEVICE, SAMPLE, default, seed_type
from nlpbench.lm import genmetrics, llm, recurrent, sampling
from nlpbench.lm.batching import read_songs
from nlpbench.train import distributed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--train", required=True, help="training split, for the copy rate")
    SAMPLE.add_to(ap)  # songs, length, prompts and decoding: flags, ranges, defaults from the schema
    DECODING_GRID.add_to(ap)  # the grid of --grid-output
    DEVICE.add_to(ap)
    ap.add_argument("--seed", type=seed_type(), default=default("seeds")[0], help="sampling seed (the rule passes the "
                    "model's seed{N}; default: the schema's first seed)")
    ap.add_argument("--out-md")
    ap.add_argument("--out-jsonl")
    ap.add_argument("--grid-output", help="CSV of the decoding grid")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--base-model", help="LLM only: local directory of the base model")
    ap.add_argument("--quantization", choices=llm.QUANTIZATIONS, help="LLM only: how to load the base")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = distributed.pick_device(args.device)
    if llm.is_llm_dir(args.model_dir):  # the tokenizer's codec plays the vocabulary's part
        model, codec, _ = llm.load_trained(args.model_dir, device, args.base_model, args.quantization)
        step = llm.hf_step(model)
    else:
        model, vocab = recurrent.load(args.model_dir, device)
        step, codec = recurrent.rnn_step(model), recurrent.VocabCodec(vocab)
    checker = genmetrics.copy_checker("\n".join(read_songs(args.train)), codec.level)
    if args.grid_output:
        rows = sampling.decoding_grid(step, codec, args.grid_temperature, args.grid_top_p, args.grid_top_k,
                                      args.grid_samples_per_setting, args.max_tokens, args.seed, checker, device)
        write_csv(args.grid_output, rows)
        return
    if not (args.out_md and args.out_jsonl):
        ap.error("give --out-md and --out-jsonl (or --grid-output)")
    decoding = sampling.Decoding(args.temperature, args.top_k, args.top_p)
    songs = sampling.sample_songs(step, codec, decoding, args.num_songs, args.max_tokens, args.seed, args.prompts,
                                  device, checker)
    write_text(args.out_jsonl, "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in songs))
    write_text(args.out_md, markdown(args.model_dir, decoding, songs))


def markdown(model_dir, decoding, songs) -> str:
    lines = [f"# Songs from `{model_dir}`", "",
             f"Decoding: temperature {decoding.temperature}, top-k {decoding.top_k}, top-p {decoding.top_p}.", ""]
    for s in songs:
        lines += [f"## Song {s['index'] + 1}", "",
                  f"{s['tokens']} tokens, {'ended with <|endsong|>' if s['ended'] else 'stopped at the length limit'}; "
                  f"distinct-2 {s['distinct_2']:.2f}, repeated 4-grams {s['repetition_4gram']:.2f}, "
                  f"copy rate ({s['copy_unit']}s found in train) {s['copy_rate']:.2f}", "", "```text",
                  s["text"].strip("\n"), "```", ""]
    return "\n".join(lines)


def write_csv(path, rows) -> None:
    import pandas as pd
    with atomic_path(path) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False)


if __name__ == "__main__":
    sys.exit(cli.run(main))
