#!/usr/bin/env python
"""Throughput and memory of the Part B classifiers: `make bench` runs it.

For each arch at the demo size and the full-study size (demo/config.yaml,
config.yaml), in a fresh process each: training reviews/s over timed steps of
the real training task, inference reviews/s over the test split, and peak
memory (CUDA max allocated, or peak RSS on CPU).

    python benchmarks/bench_classify.py --splits results/data/reviews --out results/bench/classify.json
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_textgen import REPO, machine  # noqa: E402


def sizes() -> dict:
    import yaml

    from nlpbench.core.config import load_schema, validate_config
    schema = load_schema(REPO / "schemas" / "config.schema.yaml")
    out = {}
    for name, path in (("demo", REPO / "demo" / "config.yaml"), ("full", REPO / "config.yaml")):
        cfg = validate_config(yaml.safe_load(path.read_text()), schema)["classify"]
        out[name] = {**cfg["tokenizer"], **cfg["model"], "batch_size": cfg["train"]["batch_size"]}
    return out


def measure(splits: Path, arch: str, size: dict, steps: int, device: str) -> dict:
    from nlpbench.classify import pipeline
    from nlpbench.data.vocab import Vocab
    from nlpbench.models.classifiers import build_classifier
    from nlpbench.train import distributed, trainer
    from nlpbench.train.trainer import count_parameters

    torch.manual_seed(0)
    ctx = distributed.Context(device=distributed.pick_device(device))
    train, test = (pd.read_csv(splits / f"{s}.csv", keep_default_na=False) for s in ("train", "test"))
    tok = dict(lowercase=size["lowercase"], strip_accents=size["strip_accents"])
    vocab = Vocab.from_tokens((pipeline.tokenize_review(t, **tok) for t in train["text"]), "word", size["min_freq"])
    subwords = pipeline.subword_spec(size["subword_buckets"], size["subword_n"])
    seqs = pipeline.encode(train["text"], vocab, size["max_len"], **tok, subwords=subwords)
    test_seqs = pipeline.encode(test["text"], vocab, size["max_len"], **tok, subwords=subwords)
    k = int(train["label"].max()) + 1
    model = build_classifier(arch, len(vocab), k, embed_dim=size["embed_dim"], hidden_dim=size["hidden_dim"],
                             num_layers=size["num_layers"], bidirectional=size["bidirectional"],
                             pooling=size["pooling"], kernel_sizes=size["cnn_kernel_sizes"],
                             channels=size["cnn_channels"], dropout=size["dropout"], pad=vocab.pad,
                             subword_buckets=size["subword_buckets"]).to(ctx.device)
    task = pipeline.ClassifyTask(seqs, train["label"].tolist(), seqs[:1], [0], k, batch_size=size["batch_size"],
                                 seed=0, pad=vocab.pad, ctx=ctx)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    batches, reviews, elapsed = iter(task.batches(1)), 0, 0.0
    for i in range(steps + 2):  # 2 warm-up steps are not timed
        batch = next(batches, None) or next(iter(task.batches(i + 2)))
        t0 = time.perf_counter()
        loss, n = task.loss(model, batch)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if ctx.device.type == "cuda":
            torch.cuda.synchronize(ctx.device)
        if i >= 2:
            elapsed += time.perf_counter() - t0
            reviews += n
    _, infer = pipeline.timed_predict(model, test_seqs, vocab.pad, ctx.device)
    mem, kind = trainer.peak_memory_mb(ctx.device)
    return {"arch": arch, "params": count_parameters(model)[0], "vocab_size": len(vocab),
            "batch_size": size["batch_size"], "max_len": size["max_len"], "subword_buckets": size["subword_buckets"],
            "timed_steps": steps,
            "train_reviews_per_s": reviews / elapsed, "inference_reviews_per_s": infer, "test_reviews": len(test_seqs),
            "peak_memory_mb": mem, "peak_memory_kind": kind, "device": str(ctx.device),
            "torch_threads": torch.get_num_threads()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", required=True, help="folder with train.csv and test.csv (split_reviews)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--sizes", nargs="+", default=["demo", "full"])
    archs = ["cnn", "rnn", "lstm", "gru"]
    ap.add_argument("--archs", nargs="+", default=archs, choices=archs)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        arch, size = args.one.split(",")
        print(json.dumps({"size": size, **measure(Path(args.splits), arch, sizes()[size], args.steps, args.device)}))
        return
    runs = []
    for size in args.sizes:
        for arch in args.archs:
            out = subprocess.run([sys.executable, __file__, "--splits", args.splits, "--out", args.out, "--steps",
                                  str(args.steps), "--device", args.device, "--one", f"{arch},{size}"],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = runs[-1]
            print(f"{size:5s} {arch:5s} {r['train_reviews_per_s']:>9,.0f} train rev/s "
                  f"{r['inference_reviews_per_s']:>9,.0f} infer rev/s {r['peak_memory_mb']:>7,.0f} MB", file=sys.stderr)
    from nlpbench.core.io import write_json, write_text
    info = machine()
    write_json(args.out, {"benchmark": "classify", "splits": args.splits, "machine": info, "runs": runs})
    lines = [f"# Part B throughput ({info['platform']}, torch {info['torch']}, "
             f"{info.get('gpu', str(info['torch_threads']) + ' CPU threads')})", "",
             "| size | arch | params | batch | train reviews/s | inference reviews/s | peak memory |",
             "|---|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['size']} | {r['arch']} | {r['params']:,} | {r['batch_size']} | {r['train_reviews_per_s']:,.0f} | "
              f"{r['inference_reviews_per_s']:,.0f} | {r['peak_memory_mb']:,.0f} MB ({r['peak_memory_kind']}) |"
              for r in runs]
    write_text(Path(args.out).with_suffix(".md"), "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
