"""finetune_llm.py as the rules run it (python and 2-process torchrun), then eval/sample_textgen on its output."""

import csv
import json
import os
import subprocess
import sys

import pytest
import torch
from conftest import BIN, REPO
from safetensors.torch import load_file

from nlpbench.data.lyrics import END, START, clean_corpus, format_corpus
from nlpbench.lm.batching import read_songs
from nlpbench.models.tiny_hf import build_llama
from nlpbench.report import parta

pytestmark = pytest.mark.workflow
SCRIPTS = REPO / "scripts"
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "OMP_NUM_THREADS": "1",
       "HF_HUB_OFFLINE": "1",
       "PYTHONPATH": os.pathsep.join(p for p in (str(REPO / "src"), os.environ.get("PYTHONPATH")) if p)}


def run(cmd, ok=True):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300, env=ENV)
    if ok:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The demo's songs in three splits, and a tiny Llama whose tokenizer learnt the train split."""
    work = tmp_path_factory.mktemp("llm")
    songs, _ = clean_corpus((REPO / "demo/data/canciones.txt").read_text(encoding="utf-8"), "demo", False, 20)
    parts = {"train": songs[:16], "val": songs[16:19], "test": songs[19:22]}
    for name, part in parts.items():
        (work / f"{name}.txt").write_text(format_corpus(part), encoding="utf-8")
    build_llama([f"{START}\n{s}\n{END}" for s in parts["train"]], work / "llama", vocab_size=400)
    return work


def finetune(data, out, *extra, launcher=(sys.executable,)):
    """Dropout 0, so 2 processes can equal 1; 49-token blocks leave this data a last batch of one
    block, so under torchrun one rank steps on a block that scores nothing."""
    return run([*launcher, SCRIPTS / "finetune_llm.py", "--train", data / "train.txt", "--val", data / "val.txt",
                "--base-model", data / "llama", "--outdir", out, "--ckpt-dir", f"{out}_ckpt", "--quantization", "none",
                "--lora-r", "4", "--lora-alpha", "8", "--lora-dropout", "0",
                "--lora-target-modules", "q_proj", "v_proj",
                "--epochs", "2", "--batch-size", "4", "--grad-accum", "2", "--block-size", "49", "--lr", "0.005",
                "--warmup-ratio", "0.1", "--no-gradient-checkpointing", "--seed", "1", "--device", "cpu",
                "--threads", "1", "--sample-max-tokens", "12", "--name", "llm_lora", *extra])


def trainlog(out):
    with open(out / "trainlog.csv") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def one(data):
    out = data / "llm_lora"
    finetune(data, out)
    return out


def test_finetune_writes_the_adapter_and_a_summary_the_report_reads(one, data):
    for name in ("adapter/adapter_config.json", "adapter/adapter_model.safetensors", "model_best.pt",
                 "trainlog.csv", "summary.json", "samples_epoch1.md", "samples_epoch2.md"):
        assert (one / name).is_file(), name
    assert not (data / "llm_lora_ckpt" / "last.pt").exists()  # cleared once everything was written
    s = json.loads((one / "summary.json").read_text())
    assert (s["name"], s["arch"], s["level"], s["family"], s["ppl_unit"]) == \
        ("llm_lora", "llama", "subword", "transformer", "token")
    assert s["seq_len"] == 49 and s["quantization"] == "none" and s["lora"]["r"] == 4 and s["world_size"] == 1
    assert 0 < s["params_trainable"] < s["params_total"] and s["tokens_per_second"] > 0
    assert s["best_val_loss"] == pytest.approx(min(float(r["val_loss"]) for r in trainlog(one)))
    adapter = load_file(one / "adapter" / "adapter_model.safetensors")
    best = torch.load(one / "model_best.pt", weights_only=True)["state_dict"]
    assert len(adapter) == len(best) == 8  # lora_A and lora_B of q_proj, v_proj in 2 layers
    assert sorted(t.sum().item() for t in adapter.values()) == pytest.approx(
        sorted(t.sum().item() for t in best.values()))


def test_two_gloo_processes_equal_one_process(one, data):
    two = data / "llm_lora_two"
    proc = finetune(data, two, launcher=(BIN / "torchrun", "--standalone", "--nproc_per_node=2"))
    for a, b in zip(trainlog(one), trainlog(two), strict=True):
        for key in ("train_loss", "val_loss", "val_bpc"):
            assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-5), key
    assert json.loads((two / "summary.json").read_text())["world_size"] == 2
    w1 = load_file(one / "adapter" / "adapter_model.safetensors")
    w2 = load_file(two / "adapter" / "adapter_model.safetensors")
    assert w1.keys() == w2.keys() and all(torch.allclose(w1[k], w2[k], atol=1e-5) for k in w1)
    assert proc.stderr.count("[llm_lora] epoch 2/2 train_loss") == 1  # rank 0 alone reports


def test_eval_and_sampling_scripts_take_the_llm_dir_like_a_recurrent_one(one, data):
    flags = ["--base-model", data / "llama", "--quantization", "none", "--device", "cpu", "--threads", "1"]
    run([sys.executable, SCRIPTS / "eval_textgen.py", "--model-dir", one, "--train", data / "train.txt",
         "--val", data / "val.txt", "--test", data / "test.txt", "--output", one / "eval.json", *flags])
    ev = json.loads((one / "eval.json").read_text())
    assert ev["ppl_unit"] == "token" and ev["name"] == "llm_lora"
    assert ev["val"]["loss"] == pytest.approx(json.loads((one / "summary.json").read_text())["best_val_loss"])
    assert ev["test"]["bpc_unk"] == ev["test"]["bpc"] and ev["test"]["oov_rate"] is None and ev["seed"] == 1
    assert len(ev["test"]["per_song"]["nll_nats"]) == len(read_songs(data / "test.txt"))
    row = parta.model_row(one)
    assert row["family"] == "transformer" and row["ppl_unit"] == "token" and row["test_bpc"] > 0

    run([sys.executable, SCRIPTS / "sample_textgen.py", "--model-dir", one, "--train", data / "train.txt",
         "--num-songs", "3", "--max-tokens", "20", "--prompts", "hola", "--out-md", one / "samples.md",
         "--out-jsonl", one / "samples.jsonl", *flags])
    songs = [json.loads(line) for line in (one / "samples.jsonl").read_text().splitlines()]
    assert len(songs) == 3 and all(s["text"].startswith("hola\n") and 0 < s["tokens"] <= 20 for s in songs)
    assert songs[0]["copy_unit"] == "word 8-gram" and "## Song 2" in (one / "samples.md").read_text()

    grid = one / "decoding" / "llm_lora" / "seed1.csv"  # the layout decoding_ablation_llm writes
    run([sys.executable, SCRIPTS / "sample_textgen.py", "--model-dir", one, "--train", data / "train.txt",
         "--grid-temperature", "0.7", "1.0", "--grid-top-p", "0.9", "--grid-top-k", "0", "--grid-samples-per-setting",
         "1", "--max-tokens", "10", "--grid-output", grid, *flags[2:]])  # base and quantization from summary.json
    rows = parta.load_decoding([grid])["llm_lora"]
    assert len(rows) == 2 and rows["mean_nll"].notna().all()


def test_a_missing_base_model_fails_naming_the_config_key_and_the_fix(data, tmp_path):
    proc = run([sys.executable, SCRIPTS / "finetune_llm.py", "--train", data / "train.txt", "--val",
                data / "val.txt", "--base-model", tmp_path / "models/llama-3-8b", "--outdir", tmp_path / "out",
                "--ckpt-dir", tmp_path / "ckpt", "--device", "cpu"], ok=False)
    assert proc.returncode == 2 and proc.stderr.startswith("ERROR: ")
    assert "llm.base_model" in proc.stderr and "fix:" in proc.stderr and "hf download" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()
