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
                           "--gen-tokens", "5", "--device", "cpu"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert {(r["arch"], r["level"]) for r in report["runs"]} == {
        (a, lvl) for a in ("rnn", "lstm", "gru") for lvl in ("char", "word")}
    for r in report["runs"]:
        assert r["size"] == "demo" and r["params"] > 0 and r["train_tokens_per_s"] > 0
        assert r["peak_memory_kind"] == "cpu_peak_rss" and r["peak_memory_mb"] > 0
    assert "torch" in report["machine"]
    assert "| demo | lstm_char |" in out.with_suffix(".md").read_text()


def test_classify_bench_writes_json_and_markdown(tmp_path):
    assert run_script("split_reviews.py", "--input", str(REPO / "demo/data/reviews.csv"),
                      "--outdir", str(tmp_path / "rv")).returncode == 0
    out = tmp_path / "bench" / "classify.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks/bench_classify.py"), "--splits", str(tmp_path / "rv"),
                           "--out", str(out), "--sizes", "demo", "--steps", "2", "--device", "cpu"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = json.loads(out.read_text())["runs"]
    assert [r["arch"] for r in runs] == ["cnn", "rnn", "lstm", "gru"]
    assert all(r["train_reviews_per_s"] > 0 and r["inference_reviews_per_s"] > 0 for r in runs)
    assert "| demo | gru |" in out.with_suffix(".md").read_text()
