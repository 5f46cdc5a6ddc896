"""train_textgen.py as the rules run it: under torchrun with 2 gloo processes, and killed mid-run."""

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from conftest import BIN, REPO, kill_at_epoch, run_snakemake

pytestmark = pytest.mark.workflow
SCRIPT = str(REPO / "scripts" / "train_textgen.py")


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    """The demo's lyrics splits, made by the workflow's own data rules."""
    work = tmp_path_factory.mktemp("splits")
    (work / "demo").symlink_to(REPO / "demo")
    run_snakemake("split_lyrics", "--cores", "1", "--configfile", "demo/config.yaml", cwd=work)
    return work / "results" / "data" / "lyrics"


def args(splits, out, *extra):
    return ["--train", str(splits / "train.txt"), "--val", str(splits / "val.txt"), "--arch", "lstm",
            "--level", "char", "--outdir", str(out), "--ckpt-dir", str(out) + "_ckpt", "--embed-dim", "24",
            "--hidden-dim", "24", "--num-layers", "2", "--dropout", "0", "--batch-size", "4", "--seq-len", "16",
            "--lr", "0.01", "--device", "cpu", "--threads", "1", "--sample-tokens", "5", *extra]


def trainlog(out):
    with open(out / "trainlog.csv") as fh:
        return list(csv.DictReader(fh))


def run(cmd, **kw):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, **kw)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_two_gloo_processes_equal_one_process(splits, tmp_path):
    run([sys.executable, SCRIPT, *args(splits, tmp_path / "one", "--epochs", "2")])
    proc = run([str(BIN / "torchrun"), "--standalone", "--nproc_per_node=2", SCRIPT,
                *args(splits, tmp_path / "two", "--epochs", "2")])
    one, two = trainlog(tmp_path / "one"), trainlog(tmp_path / "two")
    for a, b in zip(one, two):
        for key in ("train_loss", "val_loss", "val_bpc"):
            assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-5), key
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["world_size"] == 2
    w1 = torch.load(tmp_path / "one" / "model_best.pt", weights_only=True)["state_dict"]
    w2 = torch.load(tmp_path / "two" / "model_best.pt", weights_only=True)["state_dict"]
    assert all(torch.allclose(w1[k], w2[k], atol=1e-5) for k in w1)
    assert not list((tmp_path / "two").glob("*.tmp")) and "[lstm_char] epoch 2/2" in proc.stderr


def test_an_adaptive_softmax_word_model_trains_alike_on_two_gloo_processes_and_one(splits, tmp_path):
    """DDP needs a gradient for every weight each step: a tail cluster without targets in a rank's batch still
    runs. The demo's word vocabulary (~700) gets the adaptive softmax here through a lower threshold."""
    adaptive = ("--level", "word", "--adaptive-min-vocab", "100", "--adaptive-cutoffs", "40", "200",
                "--adaptive-div-value", "2", "--epochs", "2")
    run([sys.executable, SCRIPT, *args(splits, tmp_path / "one", *adaptive)])
    run([str(BIN / "torchrun"), "--standalone", "--nproc_per_node=2", SCRIPT,
         *args(splits, tmp_path / "two", *adaptive)])
    for a, b in zip(trainlog(tmp_path / "one"), trainlog(tmp_path / "two")):
        for key in ("train_loss", "val_loss", "val_bpc"):
            assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-5), key
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["softmax"] == "adaptive" and summary["adaptive_cutoffs"] == [40, 200]
    assert summary["world_size"] == 2 and summary["tied_weights"]  # 24 = 24: the shortlist rows tied


def test_a_killed_run_resumes_and_ends_like_an_uninterrupted_one(splits, tmp_path):
    full, cut = tmp_path / "full", tmp_path / "cut"
    run([sys.executable, SCRIPT, *args(splits, full, "--epochs", "6")])
    last = tmp_path / "cut_ckpt" / "last.pt"
    kill_at_epoch([sys.executable, SCRIPT, *args(splits, cut, "--epochs", "6")], last, 2)
    assert not (cut / "summary.json").exists()
    run([sys.executable, SCRIPT, *args(splits, cut, "--epochs", "6")])
    done = json.loads((cut / "summary.json").read_text())
    assert done["resumed_from_epoch"] >= 2
    reference = json.loads((full / "summary.json").read_text())
    assert done["best_val_loss"] == reference["best_val_loss"]
    assert [r["val_loss"] for r in trainlog(cut)] == [r["val_loss"] for r in trainlog(full)]
    assert not last.exists()  # cleared once every output was written


def test_under_torchrun_a_corrupt_checkpoint_is_set_aside_once_and_the_run_starts_over(splits, tmp_path):
    out = tmp_path / "two"
    last = tmp_path / "two_ckpt" / "last.pt"
    last.parent.mkdir()
    last.write_bytes(b"PK\x03\x04 cut short by a full disk")
    proc = run([str(BIN / "torchrun"), "--standalone", "--nproc_per_node=2", SCRIPT,
                *args(splits, out, "--epochs", "1")])
    assert proc.stderr.count(f"checkpoint {last} cannot be read, truncated or damaged (") == 1, proc.stderr[-3000:]
    assert f"moved to {last}.corrupt, starting over" in proc.stderr
    assert (last.parent / "last.pt.corrupt").read_bytes().startswith(b"PK")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["resumed_from_epoch"] == 0 and summary["epochs_run"] == 1 and not last.exists()


def test_a_killed_run_whose_splits_changed_starts_over_instead_of_resuming(splits, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(splits, data)
    cut, last = tmp_path / "cut", tmp_path / "cut_ckpt" / "last.pt"
    kill_at_epoch([sys.executable, SCRIPT, *args(data, cut, "--epochs", "4")], last, 1)
    train = data / "train.txt"
    text = train.read_text()
    train.write_text(text[:text.rindex("<|startsong|>")])  # as after another split: same path, other songs
    done = run([sys.executable, SCRIPT, *args(data, cut, "--epochs", "4")])
    assert f"checkpoint {last} is from another run (its inputs or settings differ): moved to {last}.stale, " \
           "starting over" in done.stderr
    assert json.loads((cut / "summary.json").read_text())["resumed_from_epoch"] == 0
    assert (last.parent / "last.pt.stale").exists() and not last.exists()
