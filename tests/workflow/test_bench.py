"""The benchmark script runs and writes what `make bench` promises (no timing is asserted)."""

import json
import subprocess
import sys

import pytest
from conftest import REPO, run_script

pytestmark = pytest.mark.workflow


def test_textgen_bench_writes_json_and_markdown(tmp_path):
    clean = tmp_path / "clean.txt"
    assert run_script("clean_lyrics.py", "--input", str(REPO / "demo/data/canciones.txt"), "--output", str(clean),
                      "--stats", str(tmp_path / "s.json"), "--histogram", str(tmp_path / "h.png")).returncode == 0
    assert run_script("split_lyrics.py", "--input", str(clean), "--outdir", str(tmp_path)).returncode == 0
    out = tmp_path / "bench" / "textgen.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks/bench_textgen.py"), "--train",
                           str(tmp_path / "train.txt"), "--out", str(out), "--sizes", "demo", "--steps", "2",
                           "--gen-tokens", "5", "--device", "cpu", "--archs", "lstm", "gru",
                           # the demo's ~700 words get an adaptive softmax only under a lower threshold
                           "--set", "adaptive_min_vocab=100", "adaptive_cutoffs=[100, 400]"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert sorted((r["arch"], r["level"], r["softmax"]) for r in report["runs"]) == sorted(
        [(a, "char", "full") for a in ("lstm", "gru")]
        + [(a, "word", s) for a in ("lstm", "gru") for s in ("full", "adaptive")])
    for r in report["runs"]:
        assert r["size"] == "demo" and r["params"] > 0 and r["train_tokens_per_s"] > 0
        assert r["peak_memory_kind"] == "cpu_peak_rss" and r["peak_memory_mb"] > 0
        assert r["cutoffs"] == ([100, 400] if r["softmax"] == "adaptive" else [])
    assert "torch" in report["machine"]
    assert report["overrides"] == ["adaptive_min_vocab=100", "adaptive_cutoffs=[100, 400]"]
    gains = {g["arch"]: g for g in report["adaptive_speedup"]}
    assert set(gains) == {"lstm", "gru"}
    assert all(g["speedup"] == g["adaptive_tokens_per_s"] / g["full_tokens_per_s"] for g in gains.values())
    table = out.with_suffix(".md").read_text()
    assert "| demo | lstm_char | full |" in table and "| demo | lstm_word | adaptive [100, 400] /" in table
    assert "| demo | gru_word |" in table.split("speed-up |")[1]


def test_classify_bench_writes_json_and_markdown(tmp_path):
    assert run_script("split_reviews.py", "--input", str(REPO / "demo/data/reviews.csv"),
                      "--outdir", str(tmp_path / "rv")).returncode == 0
    out = tmp_path / "bench" / "classify.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks/bench_classify.py"), "--splits", str(tmp_path / "rv"),
                           "--out", str(out), "--sizes", "demo", "--steps", "2", "--device", "cpu",
                           "--archs", "cnn", "gru"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = json.loads(out.read_text())["runs"]
    assert [r["arch"] for r in runs] == ["cnn", "gru"]
    assert all(r["train_reviews_per_s"] > 0 and r["inference_reviews_per_s"] > 0 for r in runs)
    assert "| demo | gru |" in out.with_suffix(".md").read_text()


def test_workflow_bench_times_the_plans_of_both_configs(tmp_path):
    out = tmp_path / "bench" / "workflow.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks/bench_workflow.py"), "--out", str(out),
                           "--repeats", "1", "--no-demo"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    plans = {p["config"]: p for p in report["dry_runs"]}
    assert set(plans) == {"config.yaml", "demo/config.yaml"} and report["demo"] is None
    # The full study plans more jobs than the demo (larger grids), and every plan took measurable time.
    assert plans["config.yaml"]["jobs"] > plans["demo/config.yaml"]["jobs"] > 40
    assert all(p["seconds_median"] > 0 for p in plans.values())
    assert "snakemake -n --configfile config.yaml" in out.with_suffix(".md").read_text()


def test_transformer_bench_measures_lora_and_encoder_steps(tmp_path):
    out = tmp_path / "bench" / "transformers.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks/bench_transformers.py"), "--out", str(out),
                           "--steps", "1", "--sizes", "tiny", "--device", "cpu"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = json.loads(out.read_text())["runs"]
    llm = [r for r in runs if r["arm"] == "llm"]
    assert {(r["quantization"], r["block"]) for r in llm} == {(q, b) for q in ("none", "nf4") for b in (256, 512)}
    for r in llm:  # LoRA: a small trainable share; 4-bit weights counted as parameters, not bytes
        assert 0 < r["params_trainable"] < r["params_total"] and r["train_tokens_per_s"] > 0
    assert len({r["params_total"] for r in llm}) == 1
    (enc,) = [r for r in runs if r["arm"] == "encoder"]
    assert enc["train_reviews_per_s"] > 0 and enc["inference_reviews_per_s"] > 0
    assert "| llm | tiny | nf4" in out.with_suffix(".md").read_text()
