#!/usr/bin/env python
"""Throughput and memory of the Part A recurrent LMs: `make bench` runs it.

For each arch x level at the demo size and the full-study size (read from
demo/config.yaml and config.yaml), in a fresh process each so peak memory is
that configuration's own: training tokens/s over timed steps of the real
training task (AdamW, clipping, BPTT with the carried state), peak memory
(CUDA max allocated, or peak RSS on CPU), and generation tokens/s of the
shared sampler over the full study's decoding grid (every temperature x top-p
x top-k, its songs per setting, at most --gen-tokens tokens each): the
decoding_ablation job's work. Vocabularies come from the lyrics train split
given. Word models run twice, with the full softmax and with the adaptive
softmax of the config (textgen.model.adaptive_*), where the vocabulary is
large enough for one. --archs, --levels and --softmax pick a subset (e.g. to
compare samplers); --set overrides a size's keys (textgen.model keys,
batch_size, seq_len, min_freq) in every size, e.g. to time another shape.

    python benchmarks/bench_textgen.py --train results/data/lyrics/train.txt --out results/bench/textgen.json
    python benchmarks/bench_textgen.py --train ... --out ... --sizes full --levels word --archs lstm \
        --set embed_dim=200 hidden_dim=200 batch_size=20 seq_len=35
"""

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import torch
import yaml

REPO = Path(__file__).resolve().parents[1]


def sizes() -> dict:
    """Model and training sizes of the demo and of the full study, from their configs."""
    from nlpbench.core.config import load_schema, validate_config
    schema = load_schema(REPO / "schemas" / "config.schema.yaml")
    full = validate_config(yaml.safe_load((REPO / "config.yaml").read_text()), schema)
    demo = validate_config(yaml.safe_load((REPO / "demo" / "config.yaml").read_text()), schema)
    return {name: {**cfg["textgen"]["model"], "batch_size": cfg["textgen"]["train"]["batch_size"],
                   "seq_len": cfg["textgen"]["train"]["seq_len"], "min_freq": cfg["textgen"]["word_min_freq"]}
            for name, cfg in (("demo", demo), ("full", full))}


def gen_grid() -> dict:
    """The full study's decoding grid: the sampling work one decoding_ablation job does per model."""
    from nlpbench.core.config import load_schema, validate_config
    full = validate_config(yaml.safe_load((REPO / "config.yaml").read_text()),
                           load_schema(REPO / "schemas" / "config.schema.yaml"))
    return full["textgen"]["ablations"]["decoding"]


def with_overrides(size: dict, overrides: list[str]) -> dict:
    """A size with KEY=VALUE overrides (values read as YAML: 200, false, [2000, 8000])."""
    out = dict(size)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or key not in size:
            raise SystemExit(f"--set {item}: give KEY=VALUE with KEY one of {', '.join(sorted(size))}")
        out[key] = yaml.safe_load(value)
    return out


def softmaxes(level: str, chosen: list[str]) -> list[str]:
    """The output layers timed at a level: word models with both, char models (small vocabularies) the full."""
    return [s for s in chosen if level == "word" or s == "full"]


def measure(train: str, arch: str, level: str, size: dict, steps: int, device: str, gen_tokens: int,
            softmax: str = "full") -> dict | None:
    """One configuration, in this process; None when `softmax` is adaptive but the vocabulary is too small."""
    from nlpbench.data.vocab import Vocab
    from nlpbench.lm import recurrent, sampling
    from nlpbench.lm.batching import encode_songs, read_songs
    from nlpbench.train import distributed, trainer
    from nlpbench.train.trainer import count_parameters

    torch.manual_seed(0)
    ctx = distributed.Context(device=distributed.pick_device(device))
    songs = read_songs(train)
    vocab = Vocab.build(songs, level, size["min_freq"] if level == "word" else 1)
    model = recurrent.build_model(vocab, arch, embed_dim=size["embed_dim"], hidden_dim=size["hidden_dim"],
                                  num_layers=size["num_layers"], dropout=size["dropout"],
                                  tie_weights=size["tie_weights"], adaptive_softmax=softmax == "adaptive",
                                  adaptive_min_vocab=size["adaptive_min_vocab"],
                                  adaptive_cutoffs=size["adaptive_cutoffs"],
                                  adaptive_div_value=size["adaptive_div_value"]).to(ctx.device)
    if softmax == "adaptive" and not model.adaptive:
        return None
    encoded = encode_songs(songs, vocab)
    task = recurrent.LMTask(encoded, encoded[:1], vocab, batch_size=size["batch_size"], seq_len=size["seq_len"],
                          seed=0, ctx=ctx, val_chars=1, name="bench")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    windows = iter(task.batches(1))
    tokens, elapsed = 0, 0.0
    for i in range(steps + 3):  # 3 warm-up steps are not timed
        batch = next(windows, None)
        if batch is None:
            windows = iter(task.batches(2))
            batch = next(windows)
        _sync(ctx.device)
        t0 = time.perf_counter()
        loss, n = task.loss(model, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        _sync(ctx.device)
        if i >= 3:
            elapsed += time.perf_counter() - t0
            tokens += n
    model.eval()
    grid = gen_grid()
    _sync(ctx.device)
    t0 = time.perf_counter()
    rows = sampling.decoding_grid(recurrent.rnn_step(model), recurrent.VocabCodec(vocab), grid["temperature"],
                                  grid["top_p"], grid["top_k"], grid["samples_per_setting"], gen_tokens, seed=0,
                                  device=ctx.device)
    _sync(ctx.device)
    gen_seconds = time.perf_counter() - t0
    generated = round(sum(r["mean_tokens"] * r["samples"] for r in rows))
    mem, kind = trainer.peak_memory_mb(ctx.device)
    total, _ = count_parameters(model)
    return {"arch": arch, "level": level, "softmax": softmax, "cutoffs": model.args["cutoffs"],
            "div_value": model.args["div_value"] if model.adaptive else None, "vocab_size": len(vocab), "params": total,
            "batch_size": size["batch_size"], "seq_len": size["seq_len"], "hidden_dim": size["hidden_dim"],
            "num_layers": size["num_layers"], "timed_steps": steps, "train_tokens_per_s": tokens / elapsed,
            "generated_tokens": generated, "gen_songs": sum(r["samples"] for r in rows),
            "gen_seconds": gen_seconds, "gen_tokens_per_s": generated / gen_seconds,
            "peak_memory_mb": mem, "peak_memory_kind": kind, "device": str(ctx.device),
            "torch_threads": torch.get_num_threads()}


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True, help="lyrics train split (results/data/lyrics/train.txt)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--gen-tokens", type=int, default=200)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--sizes", nargs="+", default=["demo", "full"])
    ap.add_argument("--levels", nargs="+", default=["char", "word"], choices=["char", "word"])
    ap.add_argument("--archs", nargs="+", default=["rnn", "lstm", "gru"], choices=["rnn", "lstm", "gru"])
    ap.add_argument("--softmax", nargs="+", default=["full", "adaptive"], choices=["full", "adaptive"],
                    help="output layers to time for word models (char models: full only)")
    ap.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE", dest="overrides",
                    help="override a size's key in every size, e.g. hidden_dim=200 seq_len=35")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: arch,level,size,softmax in a child process
    args = ap.parse_args(argv)
    all_sizes = {name: with_overrides(size, args.overrides) for name, size in sizes().items()}
    if args.one:
        arch, level, size, softmax = args.one.split(",")
        r = measure(args.train, arch, level, all_sizes[size], args.steps, args.device, args.gen_tokens, softmax)
        print(json.dumps(r and {"size": size, **r}))
        return
    runs = []
    for size in args.sizes:
        for level in args.levels:
            for arch in args.archs:
                for softmax in softmaxes(level, args.softmax):
                    out = subprocess.run([sys.executable, __file__, "--train", args.train, "--out", args.out,
                                          "--steps", str(args.steps), "--gen-tokens", str(args.gen_tokens),
                                          "--device", args.device, "--one", f"{arch},{level},{size},{softmax}",
                                          *(["--set", *args.overrides] if args.overrides else [])],
                                         capture_output=True, text=True, check=True)
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    if r is None:
                        print(f"{size:5s} {arch}_{level:5s} no adaptive softmax: vocabulary under "
                              f"adaptive_min_vocab or the first cutoff", file=sys.stderr)
                        continue
                    runs.append(r)
                    print(f"{size:5s} {arch}_{level:5s} {softmax:8s} {r['train_tokens_per_s']:>10,.0f} train tok/s "
                          f"{r['gen_tokens_per_s']:>8,.0f} gen tok/s {r['peak_memory_mb']:>7,.0f} MB",
                          file=sys.stderr)
    from nlpbench.core.io import write_json, write_text
    write_json(args.out, {"benchmark": "textgen", "train_split": args.train, "machine": machine(),
                          "overrides": args.overrides, "runs": runs, "adaptive_speedup": speedups(runs)})
    write_text(Path(args.out).with_suffix(".md"), markdown(runs, machine(), args.overrides))


def speedups(runs) -> list[dict]:
    """Training tokens/s with the adaptive softmax over those with the full one, per size and model."""
    full = {(r["size"], r["arch"], r["level"]): r for r in runs if r["softmax"] == "full"}
    out = []
    for r in runs:
        base = full.get((r["size"], r["arch"], r["level"]))
        if r["softmax"] == "adaptive" and base is not None:
            out.append({"size": r["size"], "arch": r["arch"], "level": r["level"],
                        "full_tokens_per_s": base["train_tokens_per_s"],
                        "adaptive_tokens_per_s": r["train_tokens_per_s"],
                        "speedup": r["train_tokens_per_s"] / base["train_tokens_per_s"]})
    return out


def markdown(runs, info, overrides=()) -> str:
    lines = [f"# Part A throughput ({info['platform']}, torch {info['torch']}, "
             f"{info.get('gpu', str(info['torch_threads']) + ' CPU threads')})", ""]
    if overrides:
        lines += [f"Sizes overridden: {' '.join(overrides)}", ""]
    lines += ["| size | model | softmax | params | vocab | layers x hidden | batch x seq | train tok/s | gen tok/s | "
              "peak memory |", "|---|---|---|---:|---:|---|---|---:|---:|---:|"]
    for r in runs:
        head = f"adaptive {r['cutoffs']} /{r['div_value']:g}" if r["softmax"] == "adaptive" else "full"
        lines.append(f"| {r['size']} | {r['arch']}_{r['level']} | {head} | {r['params']:,} | {r['vocab_size']:,} | "
                     f"{r['num_layers']} x {r['hidden_dim']} | {r['batch_size']} x {r['seq_len']} | "
                     f"{r['train_tokens_per_s']:,.0f} | {r['gen_tokens_per_s']:,.0f} | "
                     f"{r['peak_memory_mb']:,.0f} MB ({r['peak_memory_kind']}) |")
    gains = speedups(runs)
    if gains:
        lines += ["", "Word models, training tokens/s with the adaptive softmax against the full softmax:", "",
                  "| size | model | full | adaptive | speed-up |", "|---|---|---:|---:|---:|"]
        lines += [f"| {g['size']} | {g['arch']}_{g['level']} | {g['full_tokens_per_s']:,.0f} | "
                  f"{g['adaptive_tokens_per_s']:,.0f} | {g['speedup']:.2f}x |" for g in gains]
    return "\n".join(lines) + "\n"


def machine() -> dict:
    import os
    info = {"python": platform.python_version(), "torch": torch.__version__, "cpu_count": os.cpu_count(),
            "platform": platform.platform(), "torch_threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


if __name__ == "__main__":
    main()
