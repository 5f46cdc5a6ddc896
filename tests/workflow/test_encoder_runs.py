"""finetune_encoder.py as the rules run it: artifacts the Part B report reads, a reloadable model, 2 ranks = 1."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import BIN, REPO

from nlpbench.classify import scoring
from nlpbench.models import tiny_hf
from nlpbench.report import partb

pytestmark = pytest.mark.workflow
SCRIPT = str(REPO / "scripts" / "finetune_encoder.py")
# train_classifier.py's summary keys, plus the encoder's own two.
SUMMARY_KEYS = {"name", "seed", "arch", "family", "params_total", "params_trainable", "best_epoch", "epochs_run",
                "early_stopped", "train_seconds", "reviews_per_second", "peak_memory_mb", "peak_memory_kind",
                "device", "device_name", "world_size", "torch_threads", "resumed_from_epoch", "vocab_size",
                "embeddings_coverage", "batch_size", "lr", "best_val_macro_f1", "best_val_accuracy", "best_val_loss",
                "config", "base_model", "max_length"}
DROPOUTS = ("hidden_dropout_prob", "attention_probs_dropout_prob", "pooler_dropout", "cls_dropout")


def run(cmd, check=True):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert not check or proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    out = tmp_path_factory.mktemp("encoder_splits")
    run([sys.executable, str(REPO / "scripts" / "split_reviews.py"), "--input", str(REPO / "demo/data/reviews.csv"),
         "--outdir", str(out), "--val", "0.15", "--test", "0.15", "--seed", "42"])
    return out


@pytest.fixture(scope="module")
def tiny(splits, tmp_path_factory):
    """A tiny DeBERTa-v2 without dropout: dropout masks are drawn per process, so only then do 2 ranks equal 1."""
    texts = pd.read_csv(splits / "train.csv", keep_default_na=False)["text"].tolist()
    path = tiny_hf.build_deberta(texts, tmp_path_factory.mktemp("encoder_model") / "deberta", num_labels=5,
                                     vocab_size=300, hidden=32, layers=1, heads=2, intermediate=64)
    config = json.loads((path / "config.json").read_text())
    (path / "config.json").write_text(json.dumps({**config, **dict.fromkeys(DROPOUTS, 0.0)}))
    return path


def args(splits, base, out, *extra):
    return ["--train", str(splits / "train.csv"), "--val", str(splits / "val.csv"), "--test", str(splits / "test.csv"),
            "--label-map", str(splits / "label_map.json"), "--base-model", str(base), "--outdir", str(out),
            "--ckpt-dir", str(out) + "_ckpt", "--max-length", "48", "--epochs", "2", "--batch-size", "16",
            "--lr", "0.002", "--warmup-ratio", "0.1", "--device", "cpu", "--precision", "fp32", "--threads", "1",
            *extra]


@pytest.fixture(scope="module")
def one(splits, tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("encoder_run") / "encoder"
    run([sys.executable, SCRIPT, *args(splits, tiny, out)])
    return out


def test_artifacts_are_consistent_and_the_report_reads_them(one, splits):
    for name in (*scoring.ARTIFACTS, "trainlog.csv", "summary.json", "model/config.json"):
        assert (one / name).is_file(), name
    assert not (one / "model_best.pt").exists()  # model/ holds the best weights; no second copy
    assert not (one.parent / "encoder_ckpt" / "last.pt").exists()
    test = pd.read_csv(splits / "test.csv", keep_default_na=False)
    metrics = json.loads((one / "metrics_test.json").read_text())
    cm = pd.read_csv(one / "confusion_matrix.csv", index_col=0)
    cm.index = cm.index.astype(str)  # class names, as the header's
    assert cm.index.name == scoring.CONFUSION_CORNER and list(cm.columns) == list(cm.index)
    counts = cm.to_numpy()
    assert counts.sum() == metrics["n"] == len(test)
    assert counts.sum(axis=1).tolist() == np.bincount(test["label"], minlength=5).tolist()  # rows: true class
    assert np.trace(counts) / counts.sum() == pytest.approx(metrics["accuracy"])
    errors = pd.read_csv(one / "errors.csv", keep_default_na=False, dtype={"true": str, "predicted": str})
    assert len(errors) == counts.sum() - np.trace(counts)
    for (true, pred), n in errors.groupby(["true", "predicted"]).size().items():
        assert cm.loc[true, pred] == n  # columns: predicted class
    assert (one / "error_analysis.md").read_text().startswith("# Error analysis")
    summary = json.loads((one / "summary.json").read_text())
    assert set(summary) == SUMMARY_KEYS
    assert summary["family"] == "transformer" and summary["arch"] == "deberta-v2" and summary["world_size"] == 1
    report = partb.load_report([one], ablation_dirs=[one])
    row = report.metrics.iloc[0]
    assert row["name"] == "encoder" and row["macro_f1"] == pytest.approx(metrics["macro_f1"])
    assert row["train_reviews_per_second"] > 0 and row["inference_reviews_per_second"] > 0
    assert len(report.trainlogs["encoder"]) == summary["epochs_run"] == 2
    assert report.ablation.iloc[0]["batch_size"] == 16 and report.ablation.iloc[0]["lr"] == 0.002


def test_the_saved_model_reloads_with_the_auto_classes_and_scores_the_same(one, splits):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(one / "model")
    model = AutoModelForSequenceClassification.from_pretrained(one / "model").eval()
    assert model.config.id2label == {i: str(i + 1) for i in range(5)}
    test = pd.read_csv(splits / "test.csv", keep_default_na=False)
    with torch.no_grad():
        logits = model(**tok(test["text"].tolist(), truncation=True, max_length=48, padding=True,
                             return_tensors="pt")).logits
    got = scoring.classification_metrics(test["label"], logits.argmax(1).numpy(), json.loads(
        (splits / "label_map.json").read_text()))
    metrics = json.loads((one / "metrics_test.json").read_text())
    assert got["accuracy"] == pytest.approx(metrics["accuracy"])
    assert got["macro_f1"] == pytest.approx(metrics["macro_f1"])


def test_two_gloo_processes_equal_one_process(one, splits, tiny, tmp_path):
    run([str(BIN / "torchrun"), "--standalone", "--nproc_per_node=2", SCRIPT,
         *args(splits, tiny, tmp_path / "two", "--no-save-model")])  # as an ablation run: metrics only
    a, b = (pd.read_csv(d / "trainlog.csv") for d in (one, tmp_path / "two"))
    for col in ("train_loss", "val_loss", "val_macro_f1"):
        assert b[col].tolist() == pytest.approx(a[col].tolist(), rel=1e-4, abs=1e-6), col
    m1, m2 = (json.loads((d / "metrics_test.json").read_text()) for d in (one, tmp_path / "two"))
    assert m1["accuracy"] == m2["accuracy"] and m1["macro_f1"] == pytest.approx(m2["macro_f1"])
    assert json.loads((tmp_path / "two" / "summary.json").read_text())["world_size"] == 2
    assert not (tmp_path / "two" / "model").exists() and not (tmp_path / "two" / "model_best.pt").exists()


def test_a_missing_base_model_exits_2_naming_the_config_key_and_the_fix(splits, tmp_path):
    proc = run([sys.executable, SCRIPT, *args(splits, tmp_path / "models" / "mdeberta-v3-base", tmp_path / "out")],
               check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "config key 'encoder.base_model'" in proc.stderr and "hf download microsoft/mdeberta-v3-base" in proc.stderr
    assert not (tmp_path / "out").exists()
