"""train_classifier.py as the rules run it: 2 gloo processes equal 1, and a killed run resumes exactly."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import BIN, REPO, kill_at_epoch, run_snakemake

pytestmark = pytest.mark.workflow
SCRIPT = str(REPO / "scripts" / "train_classifier.py")


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    work = tmp_path_factory.mktemp("review_splits")
    (work / "demo").symlink_to(REPO / "demo")
    run_snakemake("split_reviews", "--cores", "1", "--configfile", "demo/config.yaml", cwd=work)
    return work / "results" / "data" / "reviews"


def args(splits, out, arch, *extra):
    return ["--train", str(splits / "train.csv"), "--val", str(splits / "val.csv"), "--test", str(splits / "test.csv"),
            "--label-map", str(splits / "label_map.json"), "--arch", arch, "--outdir", str(out),
            "--ckpt-dir", str(out) + "_ckpt", "--embed-dim", "16", "--hidden-dim", "16", "--num-layers", "1",
            "--cnn-channels", "8", "--dropout", "0", "--batch-size", "16", "--min-freq", "1", "--max-len", "48",
            "--lr", "0.003", "--subword-buckets", "4096", "--device", "cpu", "--threads", "1", *extra]


def run(cmd):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.mark.parametrize("arch", ["cnn", "gru"])
def test_two_gloo_processes_equal_one_process(splits, tmp_path, arch):
    run([sys.executable, SCRIPT, *args(splits, tmp_path / "one", arch, "--epochs", "2")])
    run([str(BIN / "torchrun"), "--standalone", "--nproc_per_node=2", SCRIPT,
         *args(splits, tmp_path / "two", arch, "--epochs", "2")])
    one, two = (pd.read_csv(tmp_path / d / "trainlog.csv") for d in ("one", "two"))
    for col in ("train_loss", "val_loss", "val_macro_f1"):
        assert two[col].tolist() == pytest.approx(one[col].tolist(), rel=1e-4, abs=1e-6), col
    m1, m2 = (json.loads((tmp_path / d / "metrics_test.json").read_text()) for d in ("one", "two"))
    assert m1["accuracy"] == m2["accuracy"] and m1["macro_f1"] == pytest.approx(m2["macro_f1"])
    assert json.loads((tmp_path / "two" / "summary.json").read_text())["world_size"] == 2


def test_a_killed_classifier_run_resumes_like_an_uninterrupted_one(splits, tmp_path):
    full, cut = tmp_path / "full", tmp_path / "cut"
    extra = ("--epochs", "6", "--patience", "10")
    run([sys.executable, SCRIPT, *args(splits, full, "lstm", *extra)])
    kill_at_epoch([sys.executable, SCRIPT, *args(splits, cut, "lstm", *extra)], tmp_path / "cut_ckpt" / "last.pt", 2,
                  timeout=180)
    run([sys.executable, SCRIPT, *args(splits, cut, "lstm", *extra)])
    assert json.loads((cut / "summary.json").read_text())["resumed_from_epoch"] >= 2
    assert pd.read_csv(cut / "trainlog.csv")["val_loss"].tolist() == \
        pd.read_csv(full / "trainlog.csv")["val_loss"].tolist()
    a, b = (json.loads((d / "metrics_test.json").read_text()) for d in (full, cut))
    timing = "inference_reviews_per_s"
    assert {k: v for k, v in a.items() if k != timing} == {k: v for k, v in b.items() if k != timing}
