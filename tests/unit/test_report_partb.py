"""Part B report: table values come from the artifacts, sorted on validation, mean ± std over seeds,
figures are real PNGs, errors say who to rerun."""

import json
import math
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from sklearn.metrics import f1_score

from nlpbench.core.errors import InputError
from nlpbench.core.stats import fmt_mean_std
from nlpbench.report import partb as rep

PNG = b"\x89PNG\r\n\x1a\n"
CLASSES = ["1", "2", "3", "4", "5"]
OUTPUTS = ["metrics.csv", "metrics.md", "predictions.csv", "confusion_matrices.png", "learning_curves.png",
           "ablation_heatmaps.png"]
SEEDS = [42, 43, 44]
CNN_F1 = [0.52, 0.50, 0.55]  # test macro-F1 per seed; validation is 0.01 higher
LSTM_F1 = [0.48, 0.47, 0.49]


def confusion(seed, n_per_class=20, majority=False):
    """Counts with n_per_class reviews per true class: mostly right, or all one class."""
    if majority:
        counts = np.zeros((5, 5), dtype=int)
        counts[:, 4] = n_per_class
        return counts
    rng = np.random.default_rng(seed)
    counts = np.zeros((5, 5), dtype=int)
    for i in range(5):
        p = np.full(5, 0.05)
        p[i] = 0.6
        counts[i] = rng.multinomial(n_per_class, p / p.sum())
    return counts


def predictions_from(counts):
    """(labels, predictions) that give `counts`, grouped by true class (the same labels for every run)."""
    pairs = [(i, j) for i in range(len(counts)) for j in range(len(counts)) for _ in range(counts[i, j])]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def write_predictions(path, counts):
    labels, preds = predictions_from(counts)
    pd.DataFrame({"source_row": np.arange(len(labels)) + 100, "label": labels, "prediction": preds,
                  "confidence": 0.7}).to_csv(path, index=False)


def write_run(root, name, family, macro_f1, *, seed=42, epochs=4, device="cuda:0", counts=None, val=None,
              **summary_extra):
    """A run directory as train_classifier (root/name/seed{N}) or baseline_reviews (root/name) write it."""
    neural = family != "baseline"
    d = root / name / f"seed{seed}" if neural else root / name
    d.mkdir(parents=True)
    counts = confusion(len(name) * 100 + seed * neural) if counts is None else counts
    summary = {"name": name, "arch": name, "family": family,
               "params_total": 2_345_678 if neural else 12_345, "params_trainable": 2_345_678 if neural else 12_345,
               "best_val_macro_f1": macro_f1 + 0.01 if val is None else val, "best_val_accuracy": 0.61,
               "train_seconds": 754.2, "reviews_per_second": 1234.5 if neural else None,
               "peak_memory_mb": 1834.5 if neural else 95.0,
               "peak_memory_kind": "cuda_max_allocated" if neural else "cpu_peak_rss",
               "device": device if neural else "cpu", "world_size": 2 if neural else 1,
               "config": {"lr": 0.001}, "some_future_key": [1, 2], **summary_extra}
    if neural:
        summary.update(seed=seed, best_epoch=epochs - 1 if epochs > 1 else 1,
                       device_name="NVIDIA H100 80GB HBM3" if device.startswith("cuda") else "Intel(R) Xeon(R)")
    metrics = {"accuracy": 0.6, "macro_f1": macro_f1, "weighted_f1": macro_f1 + 0.02, "mae": 0.55,
               "off_by_one": 0.91, "n": int(counts.sum()), "inference_reviews_per_s": 8765.4,
               "device": "cuda:0" if neural else "cpu",
               "ci95": {"accuracy": [0.5, 0.7], "macro_f1": [macro_f1 - 0.04, macro_f1 + 0.04], "resamples": 2000},
               "per_class": {c: {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": int(counts[i].sum())}
                             for i, c in enumerate(CLASSES)}}
    (d / "summary.json").write_text(json.dumps(summary))
    (d / "metrics_test.json").write_text(json.dumps(metrics))
    cm = pd.DataFrame(counts, index=CLASSES, columns=CLASSES)
    cm.index.name = "true\\predicted"
    cm.to_csv(d / "confusion_matrix.csv")
    write_predictions(d / "predictions.csv", counts)
    if neural:
        rows = [{"epoch": e, "train_loss": 1.5 / e, "val_loss": 1.4 / e + 0.08 * (e == epochs),
                 "val_accuracy": 0.5 + 0.02 * e, "val_macro_f1": min(macro_f1, 0.3 + 0.06 * e) - 0.02 * (e == epochs),
                 "seconds": 180.0, "reviews_per_s": 1234.5, "lr": 0.001} for e in range(1, epochs + 1)]
        pd.DataFrame(rows).to_csv(d / "trainlog.csv", index=False)
    return d


def write_ablation(root, arch, bs, lr, val_f1, test_f1, seed=42):
    d = root / arch / f"bs{bs}_lr{lr}" / f"seed{seed}"
    d.mkdir(parents=True)
    (d / "summary.json").write_text(json.dumps({
        "name": f"{arch}_bs{bs}_lr{lr}", "arch": arch, "family": "recurrent", "batch_size": bs, "lr": lr,
        "seed": seed, "best_epoch": 3, "best_val_macro_f1": val_f1, "best_val_accuracy": 0.6,
        "train_seconds": 100.0, "reviews_per_second": 900.0, "peak_memory_mb": 800.0,
        "peak_memory_kind": "cuda_max_allocated", "device": "cuda:0", "world_size": 1}))
    (d / "metrics_test.json").write_text(json.dumps({"accuracy": 0.6, "macro_f1": test_f1, "n": 100}))
    return d


@pytest.fixture
def artifacts(tmp_path):
    models = [write_run(tmp_path / "models", "lstm", "recurrent", f, seed=s) for s, f in zip(SEEDS, LSTM_F1)]
    models += [write_run(tmp_path / "models", "cnn", "convolutional", f, seed=s, device="cpu")
               for s, f in zip(SEEDS, CNN_F1)]
    baselines = [write_run(tmp_path / "baselines", "majority", "baseline", 0.067,
                           counts=confusion(0, majority=True)),
                 write_run(tmp_path / "baselines", "tfidf_lr", "baseline", 0.44)]
    # Two seeds per cell; seed 43 scores 0.004 higher.
    ablations = [write_ablation(tmp_path / "ablations", "lstm", bs, lr, 0.40 + 0.01 * i + 0.004 * (s - 42),
                                0.41 + 0.01 * i + 0.004 * (s - 42), seed=s)
                 for i, (bs, lr) in enumerate((b, r) for b in (16, 64) for r in (0.0003, 0.003)) for s in (42, 43)]
    return {"models": models, "baselines": baselines, "ablations": ablations, "tmp": tmp_path}


def load(artifacts, ablations=False):
    return rep.load_report(artifacts["models"], artifacts["baselines"], artifacts["ablations"] if ablations else ())


SEEDS_COL, VAL, TEST, DELTA, WEIGHTED = ("Seeds", "Val macro-F1", "Test macro-F1 [95% CI]",
                                         "Δ test macro-F1 vs baseline [paired 95% CI]", "Test weighted-F1")


def md_rows(md):
    """{model name: {column: cell}} from a metrics.md table."""
    lines = [line for line in md.splitlines() if line.startswith("| ")]
    header, *rows = ([c.strip() for c in line.strip("|").split(" | ")] for line in lines)
    return {cells[0]: dict(zip(header, cells)) for cells in rows}


def md_names(md):
    return list(md_rows(md))


def run_partb(*args):
    """The script as a user runs it, from the repository root."""
    return subprocess.run([sys.executable, "scripts/report_partB.py", *map(str, args)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def test_metrics_come_from_the_files_one_row_per_run_in_validation_order(artifacts):
    df = rep.load_metrics(artifacts["models"], artifacts["baselines"])
    assert list(df["name"]) == ["cnn"] * 3 + ["lstm"] * 3 + ["tfidf_lr", "majority"]
    assert list(df["seed"][:6]) == SEEDS * 2 and df["seed"][6:].isna().all()
    assert set(rep.METRIC_COLUMNS) <= set(df.columns)
    cnn = df.iloc[0]
    assert [cnn["macro_f1_ci_low"], cnn["macro_f1_ci_high"]] == pytest.approx([0.48, 0.56])
    assert cnn["macro_f1"] == 0.52 and cnn["weighted_f1"] == pytest.approx(0.54) and cnn["accuracy"] == 0.6
    assert cnn["mae"] == 0.55 and cnn["best_val_macro_f1"] == pytest.approx(0.53) and cnn["best_epoch"] == 3
    assert cnn["params_total"] == 2_345_678 and cnn["train_reviews_per_second"] == 1234.5
    assert cnn["inference_reviews_per_second"] == 8765.4 and cnn["device"] == "cpu" and cnn["test_device"] == "cuda:0"
    assert cnn["peak_memory_kind"] == "cuda_max_allocated" and cnn["world_size"] == 2 and cnn["n_test"] == 100
    assert cnn["device_name"] == "Intel(R) Xeon(R)" and df.iloc[3]["device_name"] == "NVIDIA H100 80GB HBM3"
    majority = df.iloc[7]
    assert math.isnan(majority["best_epoch"]) and math.isnan(majority["train_reviews_per_second"])
    assert majority["family"] == "baseline" and majority["peak_memory_kind"] == "cpu_peak_rss"


def test_markdown_table_is_sorted_and_has_a_legend(artifacts):
    md = rep.metrics_table(load(artifacts).summary)
    assert md_names(md) == ["cnn", "lstm", "tfidf_lr", "majority"]
    rows = md_rows(md)
    assert rows["cnn"][SEEDS_COL] == "3" and rows["tfidf_lr"][SEEDS_COL] == "–"  # Seeds; baselines have none
    assert "| 0.550 ± 0.000 |" in md and "2.35M" in md and "12m 34s ± 0.0s" in md  # MAE, params, train time
    assert "1,834 MB GPU" in md and "95 MB CPU RSS" in md
    assert "cuda:0 ×2 (NVIDIA H100 80GB HBM3)" in md and "cpu ×2 (Intel(R) Xeon(R)) (test: cuda:0)" in md
    legend = md.split("\n\n", 1)[1]
    assert "Sorted by mean validation macro-F1" in legend and "never by test" in legend
    assert "test split (100 reviews) was scored once" in legend and "validation macro-F1 only" in legend
    assert "over 3 training seeds" in legend and "bootstrap over the test reviews" in legend
    assert "cannot tell the two apart" in legend and "1-5 scale" in legend and "Device column" in legend


def test_sorting_and_the_reference_use_validation_never_test(artifacts):
    tmp = artifacts["tmp"]
    # Best on test, worst on validation: a model and a baseline.
    gru = write_run(tmp / "models", "gru", "recurrent", 0.90, val=0.01)
    lucky = write_run(tmp / "baselines", "lucky", "baseline", 0.95, val=0.02)
    report = rep.load_report([*artifacts["models"], gru], [*artifacts["baselines"], lucky])
    md = rep.metrics_table(report.summary)
    assert md_names(md) == ["cnn", "lstm", "tfidf_lr", "majority", "lucky", "gru"]
    assert list(report.metrics["name"])[-2:] == ["lucky", "gru"]
    assert set(report.metrics["reference"]) == {"tfidf_lr"} and "minus tfidf_lr's" in md
    assert md_rows(md)["tfidf_lr"][DELTA] == "reference"


def test_mean_and_std_over_seeds_equal_numpy_and_one_seed_shows_no_spread(artifacts):
    gru = write_run(artifacts["tmp"] / "models", "gru", "recurrent", 0.30)  # one seed beside three
    report = rep.load_report([*artifacts["models"], gru], artifacts["baselines"])
    rows = md_rows(rep.metrics_table(report.summary))
    f1 = np.array(CNN_F1)
    assert rows["cnn"][VAL] == fmt_mean_std(np.mean(f1 + 0.01), np.std(f1 + 0.01, ddof=1))  # Val macro-F1
    assert rows["cnn"][TEST].startswith(f"{np.mean(f1):.3f} ± {np.std(f1, ddof=1):.3f} [")
    assert rows["cnn"][WEIGHTED] == f"{np.mean(f1 + 0.02):.3f} ± {np.std(f1 + 0.02, ddof=1):.3f}"  # weighted-F1
    summary = report.summary.set_index("name")
    assert summary.loc["lstm", "macro_f1"] == pytest.approx(np.mean(LSTM_F1))
    assert summary.loc["lstm", "macro_f1_std"] == pytest.approx(np.std(LSTM_F1, ddof=1))
    assert rows["gru"][SEEDS_COL] == "1" and rows["gru"][VAL] == "0.310" and "±" not in rows["gru"][TEST]
    assert "±" not in rows["tfidf_lr"][VAL] and "±" not in rows["tfidf_lr"][TEST]


def test_each_run_is_compared_with_the_val_chosen_baseline_on_the_same_reviews(artifacts):
    report = load(artifacts)
    df = report.metrics
    assert set(df["reference"]) == {"tfidf_lr"}  # best val macro-F1 of the two baselines, not the majority
    ref = pd.read_csv(artifacts["baselines"][1] / "predictions.csv")
    for d in [*artifacts["models"], artifacts["baselines"][0]]:
        mine = pd.read_csv(d / "predictions.csv")
        want = (f1_score(mine["label"], mine["prediction"], average="macro", zero_division=0)
                - f1_score(ref["label"], ref["prediction"], average="macro"))
        summary = json.loads((d / "summary.json").read_text())
        row = df[(df["name"] == summary["name"]) & (df["seed"].fillna(-1) == summary.get("seed", -1))].iloc[0]
        assert row["delta_macro_f1"] == pytest.approx(want)
        assert row["delta_ci_low"] < want < row["delta_ci_high"]
    assert df.set_index("name").loc["tfidf_lr", "delta_macro_f1"] == 0
    md = rep.metrics_table(report.summary)
    majority = report.summary.set_index("name").loc["majority"]
    assert f"| {majority.delta_macro_f1:+.3f} [{majority.delta_ci_low:+.3f}, {majority.delta_ci_high:+.3f}] |" in md


def test_seed_averaged_delta_is_the_mean_of_the_per_seed_deltas(artifacts):
    report = load(artifacts)
    summary = report.summary.set_index("name")
    for name in ("cnn", "lstm"):
        per_seed = report.metrics.loc[report.metrics["name"] == name, "delta_macro_f1"]
        assert len(per_seed) == 3 and summary.loc[name, "delta_macro_f1"] == pytest.approx(per_seed.mean())
        assert summary.loc[name, "delta_ci_low"] < per_seed.mean() < summary.loc[name, "delta_ci_high"]
        # The test macro-F1 interval is over reviews, of the seed-averaged macro-F1 of the predictions.
        f1s = [f1_score(p["label"], p["prediction"], average="macro") for _, p in
               report.predictions[report.predictions["name"] == name].groupby("seed")]
        assert summary.loc[name, "macro_f1_ci_low"] < np.mean(f1s) < summary.loc[name, "macro_f1_ci_high"]


def test_an_interval_holding_zero_is_marked_cannot_tell(artifacts):
    tmp = artifacts["tmp"]
    twin = write_run(tmp / "models", "twin", "recurrent", 0.44,
                     counts=confusion(len("tfidf_lr") * 100))  # the reference's very predictions
    report = rep.load_report([*artifacts["models"], twin], artifacts["baselines"])
    rows = md_rows(rep.metrics_table(report.summary))
    assert rows["twin"][DELTA] == "+0.000 [+0.000, +0.000] (cannot tell)"
    assert "cannot tell" not in rows["majority"][DELTA]  # far below: the interval excludes 0


def test_predictions_table_holds_every_run(artifacts):
    table = load(artifacts).predictions
    assert list(table.columns) == rep.PREDICTION_TABLE_COLUMNS
    assert len(table) == 8 * 100
    counts = table.groupby(["name", table["seed"].fillna(-1)]).size()
    assert counts.to_dict() == {**{(n, s): 100 for n in ("cnn", "lstm") for s in SEEDS},
                                ("majority", -1): 100, ("tfidf_lr", -1): 100}
    lstm43 = table[(table["name"] == "lstm") & (table["seed"] == 43)].reset_index(drop=True)
    pd.testing.assert_frame_equal(lstm43[["source_row", "label", "prediction", "confidence"]],
                                  pd.read_csv(artifacts["models"][1] / "predictions.csv"))


def test_predictions_of_another_split_are_refused(artifacts):
    lstm = artifacts["models"][0]
    frame = pd.read_csv(lstm / "predictions.csv")
    frame.loc[0, "source_row"] = 99999
    frame.to_csv(lstm / "predictions.csv", index=False)
    with pytest.raises(InputError, match="does not cover the same test reviews") as err:
        load(artifacts)
    assert str(artifacts["baselines"][1] / "predictions.csv") in str(err.value)


def test_the_same_reviews_in_another_order_are_paired_row_by_row(artifacts):
    cnn = artifacts["models"][3]
    before = load(artifacts).metrics.set_index(["name", "seed"]).loc[("cnn", 42), "delta_macro_f1"]
    pd.read_csv(cnn / "predictions.csv").iloc[::-1].to_csv(cnn / "predictions.csv", index=False)
    after = load(artifacts).metrics.set_index(["name", "seed"]).loc[("cnn", 42), "delta_macro_f1"]
    assert after == pytest.approx(before)


def test_the_same_model_and_seed_twice_is_refused(artifacts):
    lstm = artifacts["models"][0]
    copy = artifacts["tmp"] / "elsewhere" / "lstm" / "seed42"
    shutil.copytree(lstm, copy)
    with pytest.raises(InputError, match="is model 'lstm' seed 42, as is") as err:
        rep.load_report([*artifacts["models"], copy], artifacts["baselines"])
    assert str(copy / "summary.json") in str(err.value) and str(lstm / "summary.json") in str(err.value)
    with pytest.raises(InputError, match="is model 'lstm' seed 42"):
        rep.load_metrics([lstm, lstm])
    baseline = artifacts["baselines"][0]
    with pytest.raises(InputError, match="is baseline 'majority', as is"):
        rep.load_report([], [baseline, baseline])


def test_models_with_different_seed_sets_are_counted(artifacts):
    report = rep.load_report(artifacts["models"][:2] + artifacts["models"][3:], artifacts["baselines"])
    assert report.summary.set_index("name").loc[["cnn", "lstm"], "seeds"].tolist() == [3, 2]
    assert "over 2/3 training seeds" in rep.metrics_table(report.summary)


@pytest.mark.parametrize("family, rule", [("recurrent", "train_classifier"), ("transformer", "finetune_encoder")])
def test_a_run_written_before_seeds_names_the_file_and_the_rule(tmp_path, family, rule):
    d = write_run(tmp_path, "model", family, 0.5)
    summary = json.loads((d / "summary.json").read_text())
    del summary["seed"]
    (d / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(InputError, match="no 'seed'") as err:
        rep.load_report([d])
    assert str(d / "summary.json") in str(err.value) and f"rule {rule} again" in str(err.value)


def test_an_ablation_run_written_before_seeds_is_refused(artifacts):
    d = artifacts["ablations"][3]
    summary = json.loads((d / "summary.json").read_text())
    del summary["seed"]
    (d / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(InputError, match="no 'seed'") as err:
        rep.load_ablation(artifacts["ablations"])
    assert str(d / "summary.json") in str(err.value) and "rule train_classifier_ablation" in str(err.value)


def test_confusion_matrix_is_read_by_layout(artifacts):
    cm = rep.read_confusion(artifacts["models"][0] / "confusion_matrix.csv")
    assert list(cm.index) == CLASSES and list(cm.columns) == CLASSES
    assert int(cm.to_numpy().sum()) == 100 and (cm.sum(axis=1) == 20).all()
    odd = artifacts["tmp"] / "odd.csv"  # a class nobody predicted: added as a zero column
    odd.write_text("true\\predicted,neg,pos\nneg,3,1\npos,2,4\nmid,1,0\n")
    cm = rep.read_confusion(odd)
    assert list(cm.columns) == ["neg", "pos", "mid"] and cm.loc["mid", "neg"] == 1 and cm.loc["neg", "mid"] == 0
    odd.write_text("true\\predicted,01,NA\n01,3,1\nNA,2,4\n")  # names kept as written, not 1 and NaN
    assert list(rep.read_confusion(odd).index) == ["01", "NA"]


def test_report_bundle_keeps_table_order_sums_confusions_and_stacks_trainlogs(artifacts):
    report = load(artifacts, ablations=True)
    assert list(report.confusions) == ["cnn", "lstm", "tfidf_lr", "majority"]
    lstm = sum(rep.read_confusion(d / "confusion_matrix.csv") for d in artifacts["models"][:3])
    pd.testing.assert_frame_equal(report.confusions["lstm"], lstm)
    assert report.confusions["cnn"].to_numpy().sum() == 300 and report.confusions["majority"].to_numpy().sum() == 100
    assert list(report.trainlogs) == ["cnn", "lstm"]
    log = report.trainlogs["cnn"]
    assert list(log["seed"].unique()) == SEEDS and list(log.loc[log["seed"] == 42, "epoch"]) == [1, 2, 3, 4]
    abl = report.ablation
    assert len(abl) == 8 and list(abl["seed"][:2]) == [42, 43] and set(abl["arch"]) == {"lstm"}
    assert list(abl["batch_size"][::2]) == [16, 16, 64, 64] and list(abl["lr"][::2]) == [0.0003, 0.003, 0.0003, 0.003]


def test_ablation_cells_average_the_seeds_and_the_best_is_chosen_on_the_mean(tmp_path):
    root = tmp_path / "ablations"
    # Seed 42 alone would pick bs16 lr0.001 (0.60); the mean over seeds picks bs32 lr0.001.
    vals = {(16, 0.001): [0.60, 0.40, 0.41], (32, 0.001): [0.55, 0.53, 0.54], (16, 0.01): [0.30, 0.31, 0.35]}
    dirs = [write_ablation(root, "gru", bs, lr, v, v - 0.1, seed=s)
            for (bs, lr), vs in vals.items() for s, v in zip(SEEDS, vs)]
    cells = rep.ablation_cells(rep.load_ablation(dirs)).set_index(["batch_size", "lr"])
    assert list(cells.columns) == [c for c in rep.CELL_COLUMNS if c not in ("batch_size", "lr")]
    for key, vs in vals.items():
        assert cells.loc[key, "seeds"] == 3
        assert cells.loc[key, "val_macro_f1"] == pytest.approx(np.mean(vs))
        assert cells.loc[key, "val_macro_f1_std"] == pytest.approx(np.std(vs, ddof=1))
        assert cells.loc[key, "test_macro_f1"] == pytest.approx(np.mean(vs) - 0.1)
    best = rep.best_settings(rep.ablation_cells(rep.load_ablation(dirs)))
    assert best[["arch", "batch_size", "lr"]].values.tolist() == [["gru", 32, 0.001]]
    rep.draw_ablation(rep.load_ablation(dirs), tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes()[:8] == PNG


def test_the_same_ablation_setting_and_seed_twice_is_refused(artifacts):
    first = artifacts["ablations"][0]
    copy = artifacts["tmp"] / "elsewhere" / "lstm" / "bs16_lr0.0003" / "seed42"
    shutil.copytree(first, copy)
    with pytest.raises(InputError, match="same arch, batch size, lr and seed"):
        rep.load_ablation([*artifacts["ablations"], copy])


def test_every_figure_is_a_png(artifacts):
    out = artifacts["tmp"] / "out"
    report = load(artifacts, ablations=True)
    rep.draw_confusions(report.confusions, out / "cm.png", report.summary)
    rep.draw_learning_curves(report.trainlogs, out / "curves.png")
    rep.draw_ablation(report.ablation, out / "ablation.png")
    rep.draw_ablation(rep.load_ablation([]), out / "none.png")
    for name in ("cm", "curves", "ablation", "none"):
        assert (out / f"{name}.png").read_bytes()[:8] == PNG
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_single_model_single_epoch_and_missing_values(tmp_path):
    d = write_run(tmp_path, "gru", "recurrent", 0.5, epochs=1)
    summary = json.loads((d / "summary.json").read_text())
    summary.update(train_seconds=None, peak_memory_mb=None, reviews_per_second=None, family=None)
    (d / "summary.json").write_text(json.dumps(summary))
    metrics = json.loads((d / "metrics_test.json").read_text())
    metrics.update(mae=None, off_by_one=None, weighted_f1=None)
    del metrics["ci95"]  # metrics written before intervals existed
    (d / "metrics_test.json").write_text(json.dumps(metrics))

    report = rep.load_report([d])
    md = rep.metrics_table(report.summary)
    assert "| gru |" in md and "–" in md and "| 0.500 [" in md and "One training seed per model" in md
    assert "Δ" in md and "minus" not in md  # no baseline: no reference to compare with
    assert math.isnan(report.metrics.loc[0, "mae"])
    rep.draw_confusions(report.confusions, tmp_path / "c.png", report.summary)
    rep.draw_learning_curves(report.trainlogs, tmp_path / "l.png")
    rep.draw_ablation(report.ablation, tmp_path / "a.png")
    for name in "cla":
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == PNG


@pytest.mark.parametrize("filename, rule", [("summary.json", "train_classifier"),
                                            ("metrics_test.json", "train_classifier"),
                                            ("confusion_matrix.csv", "train_classifier"),
                                            ("predictions.csv", "train_classifier"),
                                            ("trainlog.csv", "train_classifier")])
def test_missing_model_file_names_the_file_and_the_rule(artifacts, filename, rule):
    d = artifacts["models"][4]
    (d / filename).unlink()
    with pytest.raises(InputError) as err:
        load(artifacts)
    assert str(d / filename) in str(err.value) and f"rule {rule}" in str(err.value)


@pytest.mark.parametrize("filename", ["summary.json", "metrics_test.json", "confusion_matrix.csv",
                                      "predictions.csv"])
def test_missing_baseline_file_names_baseline_reviews(artifacts, filename):
    d = artifacts["baselines"][1]
    (d / filename).unlink()
    with pytest.raises(InputError) as err:
        load(artifacts)
    assert str(d / filename) in str(err.value) and "rule baseline_reviews" in str(err.value)


def test_encoder_runs_name_the_encoder_rule(tmp_path):
    d = write_run(tmp_path / "models", "encoder", "transformer", 0.6)
    (d / "trainlog.csv").unlink()
    with pytest.raises(InputError, match="rule finetune_encoder"):
        rep.load_report([d])


def test_baselines_need_no_trainlog_and_no_seed(artifacts):
    assert not (artifacts["baselines"][0] / "trainlog.csv").exists()
    report = rep.load_report([], artifacts["baselines"])
    assert len(report.metrics) == 2 and report.metrics["seed"].isna().all()


@pytest.mark.parametrize("filename", ["summary.json", "metrics_test.json"])
def test_missing_ablation_file_names_train_classifier_ablation(artifacts, filename):
    d = artifacts["ablations"][2]
    (d / filename).unlink()
    with pytest.raises(InputError) as err:
        rep.load_ablation(artifacts["ablations"])
    assert str(d / filename) in str(err.value) and "rule train_classifier_ablation" in str(err.value)


def test_broken_inputs_are_input_errors(artifacts):
    lstm = artifacts["models"][0]
    (lstm / "metrics_test.json").write_text("{not json")
    with pytest.raises(InputError, match="not readable JSON"):
        rep.load_metrics([lstm])
    cnn = artifacts["models"][3]
    (cnn / "confusion_matrix.csv").write_text("true\\predicted,1,2\n1,3,x\n2,0,4\n")
    with pytest.raises(InputError, match="must be a count"):
        rep.read_confusion(cnn / "confusion_matrix.csv")
    log = pd.read_csv(cnn / "trainlog.csv").drop(columns="val_macro_f1")
    log.to_csv(cnn / "trainlog.csv", index=False)
    with pytest.raises(InputError, match="missing column.*val_macro_f1"):
        rep.read_trainlog(cnn / "trainlog.csv")
    preds = pd.read_csv(cnn / "predictions.csv")
    preds["prediction"] = preds["prediction"].astype(object)
    preds.loc[3, "prediction"] = "pos"
    preds.to_csv(cnn / "predictions.csv", index=False)
    with pytest.raises(InputError, match="must hold class ids"):
        rep.read_predictions(cnn / "predictions.csv")


def test_confusion_or_predictions_of_another_run_are_refused(artifacts):
    cnn = artifacts["models"][3]
    cm = pd.read_csv(cnn / "confusion_matrix.csv", index_col=0)
    cm.iloc[0, 0] += 7
    cm.to_csv(cnn / "confusion_matrix.csv")
    with pytest.raises(InputError, match="holds 107 reviews but metrics_test.json says n = 100"):
        rep.load_report([cnn])
    lstm = artifacts["models"][0]
    pd.read_csv(lstm / "predictions.csv").iloc[:90].to_csv(lstm / "predictions.csv", index=False)
    with pytest.raises(InputError, match="holds 90 predictions.*counts 100 reviews"):
        rep.load_report([lstm])


def test_script_writes_every_output(artifacts):
    out = artifacts["tmp"] / "report"
    proc = run_partb("--models", *artifacts["models"], "--baselines", *artifacts["baselines"],
                     "--ablations", *artifacts["ablations"], "--outdir", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    csv = pd.read_csv(out / "metrics.csv", dtype={"seed": "Int64"})
    assert list(csv.columns) == rep.METRIC_COLUMNS
    assert list(csv["name"]) == ["cnn"] * 3 + ["lstm"] * 3 + ["tfidf_lr", "majority"]
    assert list(csv["seed"][:6]) == SEEDS * 2 and csv["seed"][6:].isna().all()
    assert csv.loc[0, "macro_f1"] == 0.52 and csv.loc[7, "macro_f1"] == 0.067
    assert csv.loc[1, "inference_reviews_per_second"] == 8765.4 and csv.loc[6, "params_total"] == 12_345
    preds = pd.read_csv(out / "predictions.csv", dtype={"seed": "Int64"})
    assert list(preds.columns) == rep.PREDICTION_TABLE_COLUMNS and len(preds) == 800
    assert (out / "predictions.csv").read_text().splitlines()[1].startswith("cnn,42,")
    assert "validation macro-F1 only" in (out / "metrics.md").read_text(encoding="utf-8")
    for png in OUTPUTS[3:]:
        assert (out / png).read_bytes()[:8] == PNG
    assert "2 model(s) over 6 run(s), 2 baseline(s), 8 ablation run(s)" in proc.stderr


def test_script_single_model_without_ablations(artifacts):
    out = artifacts["tmp"] / "report"
    proc = run_partb("--models", artifacts["models"][0], "--baselines", "--ablations", "--outdir", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert list(pd.read_csv(out / "metrics.csv")["name"]) == ["lstm"]
    assert (out / "ablation_heatmaps.png").read_bytes()[:8] == PNG


def test_script_bad_input_exits_2_and_writes_nothing(artifacts):
    (artifacts["ablations"][1] / "metrics_test.json").unlink()
    out = artifacts["tmp"] / "report"
    proc = run_partb("--models", *artifacts["models"], "--baselines", *artifacts["baselines"],
                     "--ablations", *artifacts["ablations"], "--outdir", out)
    assert proc.returncode == 2
    assert proc.stderr.startswith("ERROR: ") and "metrics_test.json" in proc.stderr
    assert "rule train_classifier_ablation" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()
