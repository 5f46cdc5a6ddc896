#!/usr/bin/env python
"""Throughput and memory of the transformer arms: `make bench` runs it.

Random weights, real architectures, timed training steps (forward, backward,
AdamW) through the same code the workflow uses (`llm.add_lora`, bitsandbytes
quantization, `encoder.EncoderClassifier`), each case in a fresh process:

- LoRA on a causal LM: the demo's tiny Llama everywhere; on a GPU also the
  Llama-3-8B architecture (hidden 4096, 32 layers, 32 heads, 8 KV heads,
  intermediate 14336, vocab 128256, rope theta 500000), nf4 + LoRA r=16 on
  every linear layer, block 256 and 512, batch 1, activation checkpointing.
- The encoder: a tiny DeBERTa-v2 everywhere and the mDeBERTa-v3-base
  architecture (hidden 768, 12 layers, vocab 251000) on CPU and GPU:
  training and inference reviews/s at 128 tokens.

    python benchmarks/bench_transformers.py --out results/bench/transformers.json
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_textgen import machine  # noqa: E402

LLAMA_8B = dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
                intermediate_size=14336, vocab_size=128256, rope_theta=500000.0, max_position_embeddings=8192)
LLAMA_TINY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                  intermediate_size=128, vocab_size=512, max_position_embeddings=4096)
MDEBERTA_BASE = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                     vocab_size=251000)
DEBERTA_TINY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                    vocab_size=1000)
ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def cases(cuda: bool) -> list[dict]:
    out = [{"arm": "llm", "size": "tiny", "quantization": q, "block": b, "batch": 4}
           for q in ("none", "nf4") for b in (256, 512)]
    if cuda:
        out += [{"arm": "llm", "size": "llama-3-8b", "quantization": "nf4", "block": b, "batch": 1}
                for b in (256, 512)]
    out += [{"arm": "encoder", "size": s, "max_length": 128, "batch": 16 if cuda else 8}
            for s in ("tiny", "mdeberta-v3-base")]
    return out


def _peak(device) -> tuple[float, str]:
    from nlpbench.train.trainer import peak_memory_mb
    return peak_memory_mb(device)


def _timed_steps(step, steps: int, device) -> float:
    step()  # warm-up: allocations, kernels, bitsandbytes setup
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return (time.perf_counter() - t0) / steps


def build_llama(size: str, device, tmp: Path) -> Path:
    """A random Llama saved to `tmp` (so quantization goes through from_pretrained, as in the workflow)."""
    from transformers import LlamaConfig, LlamaForCausalLM
    dims = LLAMA_8B if size == "llama-3-8b" else LLAMA_TINY
    cfg = LlamaConfig(**dims, tie_word_embeddings=False)
    torch.manual_seed(0)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    with torch.device(device):  # 8B random init on the GPU takes seconds, on a CPU minutes
        model = LlamaForCausalLM(cfg).to(dtype)
    model.save_pretrained(tmp / "llama")
    del model
    if device.type == "cuda":
        torch.cuda.empty_cache()
    (tmp / "llama" / "tokenizer_config.json").write_text("{}")  # load_base reads only the model here
    return tmp / "llama"


def measure_llm(case: dict, steps: int, device) -> dict:
    from transformers import AutoModelForCausalLM

    from nlpbench.lm import llm
    with tempfile.TemporaryDirectory() as tmp:
        path = build_llama(case["size"], device, Path(tmp))
        dtype = llm.compute_dtype(device)
        quant = llm.bnb_config(case["quantization"], dtype)
        kwargs = {"dtype": dtype, "local_files_only": True}
        if quant is not None:
            kwargs.update(quantization_config=quant, device_map={"": device.index or 0} if device.type == "cuda"
                          else "cpu")
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
        if quant is None:
            model.to(device)
    model = llm.add_lora(model, r=16, alpha=32, dropout=0.0, target_modules=ALL_LINEAR,
                         quantized=quant is not None, gradient_checkpointing=case["size"] != "tiny")
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    ids = torch.randint(0, model.config.vocab_size, (case["batch"], case["block"]), device=device)

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    seconds = _timed_steps(step, steps, device)
    total, trainable = llm.parameter_counts(model)
    peak, kind = _peak(device)
    return {**case, "params_total": total, "params_trainable": trainable, "step_seconds": seconds,
            "train_tokens_per_s": case["batch"] * case["block"] / seconds, "peak_memory_mb": peak,
            "peak_memory_kind": kind}


def measure_encoder(case: dict, steps: int, device) -> dict:
    from transformers import DebertaV2Config, DebertaV2ForSequenceClassification

    from nlpbench.classify.encoder import EncoderClassifier
    from nlpbench.train.trainer import count_parameters
    dims = MDEBERTA_BASE if case["size"] == "mdeberta-v3-base" else DEBERTA_TINY
    torch.manual_seed(0)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    hf = DebertaV2ForSequenceClassification(DebertaV2Config(**dims, num_labels=5, relative_attention=True,
                                                            pos_att_type=["p2c", "c2p"], position_buckets=256,
                                                            norm_rel_ebd="layer_norm", share_att_key=True,
                                                            position_biased_input=False, type_vocab_size=0))
    model = EncoderClassifier(hf).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5)
    ids = torch.randint(5, dims["vocab_size"], (case["batch"], case["max_length"]), device=device)
    lengths = torch.full((case["batch"],), case["max_length"])
    labels = torch.randint(0, 5, (case["batch"],), device=device)

    def train_step():
        model.train()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = torch.nn.functional.cross_entropy(model(ids, lengths).float(), labels)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    @torch.no_grad()
    def infer_step():
        model.eval()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            model(ids, lengths)

    train_s, infer_s = _timed_steps(train_step, steps, device), _timed_steps(infer_step, steps, device)
    total, trainable = count_parameters(model)
    peak, kind = _peak(device)
    return {**case, "params_total": total, "params_trainable": trainable,
            "train_reviews_per_s": case["batch"] / train_s, "inference_reviews_per_s": case["batch"] / infer_s,
            "peak_memory_mb": peak, "peak_memory_kind": kind}


def markdown(runs: list[dict], info: dict) -> str:
    where = info.get("gpu", f"{info['torch_threads']} CPU threads")
    lines = [f"# Transformer arms ({info['platform']}, torch {info['torch']}, {where})", "",
             "| arm | size | setting | params (trainable / total) | train throughput | inference | peak memory |",
             "|---|---|---|---:|---:|---:|---:|"]
    for r in runs:
        if r["arm"] == "llm":
            setting = f"{r['quantization']}, LoRA r=16 all linear, block {r['block']} x batch {r['batch']}"
            train, infer = f"{r['train_tokens_per_s']:,.0f} tokens/s", "-"
        else:
            setting = f"{r['max_length']} tokens x batch {r['batch']}"
            train = f"{r['train_reviews_per_s']:,.1f} reviews/s"
            infer = f"{r['inference_reviews_per_s']:,.1f} reviews/s"
        lines.append(f"| {r['arm']} | {r['size']} | {setting} | {r['params_trainable']:,} / {r['params_total']:,} | "
                     f"{train} | {infer} | {r['peak_memory_mb']:,.0f} MB ({r['peak_memory_kind']}) |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--sizes", nargs="+", help="only these sizes (default: every size this machine can hold)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    from nlpbench.core import hf_local  # noqa: F401  (offline, no progress bars)
    from nlpbench.train.distributed import pick_device
    device = pick_device(args.device)
    if args.one:
        case = json.loads(args.one)
        measure = measure_llm if case["arm"] == "llm" else measure_encoder
        print(json.dumps(measure(case, args.steps, device)))
        return
    runs = []
    for case in cases(device.type == "cuda"):
        if args.sizes and case["size"] not in args.sizes:
            continue
        proc = subprocess.run([sys.executable, __file__, "--out", args.out, "--steps", str(args.steps), "--device",
                               args.device, "--one", json.dumps(case)], capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(f"{case} failed:\n{proc.stderr[-3000:]}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(markdown(runs[-1:], machine()).splitlines()[-1], file=sys.stderr)
    from nlpbench.core.io import write_json, write_text
    info = machine()
    write_json(args.out, {"benchmark": "transformers", "machine": info, "runs": runs})
    write_text(Path(args.out).with_suffix(".md"), markdown(runs, info))


if __name__ == "__main__":
    main()
