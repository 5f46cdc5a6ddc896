import json

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, run_script

from nlpbench.classify import baselines
from nlpbench.classify.scoring import ARTIFACTS, METRIC_KEYS, load_label_map
from nlpbench.core.errors import InputError

SUMMARY_KEYS = {"name", "arch", "family", "params_total", "params_trainable", "best_val_macro_f1",
                "best_val_accuracy", "selected", "val_grid", "train_seconds", "inference_reviews_per_s",
                "peak_memory_mb", "peak_memory_kind", "device", "world_size"}
GRID = ("0.25", "1", "4")


@pytest.fixture(scope="module")
def demo_split(tmp_path_factory):
    """The bundled demo reviews split by the project's own script (320/40/40, five classes)."""
    out = tmp_path_factory.mktemp("reviews")
    proc = run_script("split_reviews.py", "--input", str(REPO / "demo" / "data" / "reviews.csv"),
                      "--outdir", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def load(split_dir):
    lmap = load_label_map(split_dir / "label_map.json")
    k = len(lmap["classes"])
    return lmap, *(baselines.read_split(split_dir / f"{name}.csv", k) for name in ("train", "val", "test"))


def run_baselines(split_dir, outdir, *extra):
    return run_script("baseline_reviews.py", *(f"--{n}={split_dir / f'{n}.csv'}" for n in ("train", "val", "test")),
                      "--label-map", str(split_dir / "label_map.json"), "--outdir", str(outdir),
                      "--c-grid", *GRID, *extra)


@pytest.fixture(scope="module")
def script_runs(demo_split, tmp_path_factory):
    """The script run twice on the same split, into two folders."""
    outs = [tmp_path_factory.mktemp(f"baselines{i}") for i in range(2)]
    procs = [run_baselines(demo_split, out) for out in outs]
    return outs, procs


def test_tfidf_beats_majority_and_picks_the_best_c_on_val(demo_split, tmp_path):
    lmap, train, val, test = load(demo_split)
    majority, _ = baselines.run_majority(train, val, test, lmap, tmp_path / "majority", seed=42)
    tfidf, metrics = baselines.run_tfidf_lr(train, val, test, lmap, tmp_path / "tfidf_lr", c_grid=(0.25, 1, 4, 16),
                                             class_weight="balanced", seed=42)
    assert tfidf["best_val_macro_f1"] > majority["best_val_macro_f1"] + 0.2
    assert metrics["macro_f1"] > 0.3
    grid = tfidf["val_grid"]
    assert [row["C"] for row in grid] == [0.25, 1.0, 4.0, 16.0]
    best = max(row["val_macro_f1"] for row in grid)
    assert tfidf["best_val_macro_f1"] == best
    assert tfidf["selected"]["C"] == min(row["C"] for row in grid if row["val_macro_f1"] == best)


def test_majority_predicts_the_most_frequent_train_class_with_train_shares(demo_split):
    lmap, train, _, test = load(demo_split)
    model = baselines.fit_majority(train, seed=0)
    y_pred, probs, _ = baselines.predict_with_probs(model, test["text"], 5)
    assert set(y_pred) == {train["label"].value_counts().idxmax()}
    shares = train["label"].value_counts(normalize=True).sort_index().to_numpy()
    assert np.allclose(probs, shares) and baselines.param_count(model) == 0


def test_probabilities_cover_every_class_even_one_missing_from_train():
    train = pd.DataFrame({"text": ["a", "b", "c"], "label": [0, 2, 2]})
    _, probs, _ = baselines.predict_with_probs(baselines.fit_majority(train, 0), pd.Series(["x", "y"]), 3)
    assert probs.shape == (2, 3) and np.allclose(probs[:, 1], 0) and np.allclose(probs.sum(axis=1), 1)


def test_script_writes_every_file_for_both_baselines(script_runs, demo_split):
    (out, _), (proc, _) = script_runs
    assert proc.returncode == 0, proc.stderr
    assert "majority:" in proc.stderr and "tfidf_lr:" in proc.stderr
    lmap = json.loads((demo_split / "label_map.json").read_text(encoding="utf-8"))
    n_features = None
    for name in ("majority", "tfidf_lr"):
        files = sorted(p.name for p in (out / name).iterdir())
        assert files == sorted([*ARTIFACTS, "summary.json"])
        summary = json.loads((out / name / "summary.json").read_text(encoding="utf-8"))
        assert SUMMARY_KEYS <= set(summary) and summary["name"] == summary["arch"] == name
        assert summary["family"] == "baseline" and summary["device"] == "cpu" and summary["world_size"] == 1
        assert summary["peak_memory_kind"] == "cpu_peak_rss" and summary["peak_memory_mb"] > 0
        if name == "tfidf_lr":
            n_features = sum(summary["config"]["features"].values())
            k = len(lmap["classes"])
            assert summary["params_total"] == summary["params_trainable"] == k * n_features + k
            assert [row["C"] for row in summary["val_grid"]] == [float(c) for c in GRID]
        else:
            assert summary["params_total"] == 0 and summary["selected"] == {} and summary["val_grid"] == []
        metrics = json.loads((out / name / "metrics_test.json").read_text(encoding="utf-8"))
        assert metrics["n"] == 40 and metrics["name"] == name and metrics["device"] == "cpu"


def test_script_is_deterministic(script_runs):
    outs, procs = script_runs
    assert all(p.returncode == 0 for p in procs), procs[1].stderr
    for name in ("majority", "tfidf_lr"):
        first, second = (json.loads((out / name / "metrics_test.json").read_text(encoding="utf-8")) for out in outs)
        assert {k: first[k] for k in METRIC_KEYS} == {k: second[k] for k in METRIC_KEYS}
        assert (outs[0] / name / "errors.csv").read_bytes() == (outs[1] / name / "errors.csv").read_bytes()
        grids = [json.loads((out / name / "summary.json").read_text())["val_grid"] for out in outs]
        assert grids[0] == grids[1]


def test_read_split_rejects_labels_outside_the_label_map(tmp_path):
    path = tmp_path / "train.csv"
    pd.DataFrame({"text": ["hola", "NA"], "label": [0, 5], "source_row": [0, 1]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="0..4"):
        baselines.read_split(path, 5)
    assert baselines.read_split(path, 6)["text"].tolist() == ["hola", "NA"]  # "NA" stays a word


def test_script_with_a_raw_reviews_csv_fails_clearly(demo_split, tmp_path):
    proc = run_script("baseline_reviews.py", "--train", str(REPO / "demo" / "data" / "reviews.csv"),
                      "--val", str(demo_split / "val.csv"), "--test", str(demo_split / "test.csv"),
                      "--label-map", str(demo_split / "label_map.json"), "--outdir", str(tmp_path / "o"))
    assert proc.returncode == 2 and proc.stderr.startswith("ERROR: ") and "fix:" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "o").exists()
