"""Part B report: table values come from the artifacts, figures are real PNGs, errors say who to rerun."""

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from conftest import REPO
from nlpbench import report_partb as rep
from nlpbench.errors import InputError

PNG = b"\x89PNG\r\n\x1a\n"
CLASSES = ["1", "2", "3", "4", "5"]
OUTPUTS = ["metrics.csv", "metrics.md", "confusion_matrices.png", "learning_curves.png", "ablation_heatmaps.png"]


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


def write_run(root, name, family, macro_f1, *, epochs=4, device="cuda:0", counts=None, **summary_extra):
    """A model or baseline directory as train_classifier / baseline_reviews write it."""
    d = root / name
    d.mkdir(parents=True)
    neural = family != "baseline"
    counts = confusion(len(name)) if counts is None else counts
    summary = {"name": name, "arch": name, "family": family,
               "params_total": 2_345_678 if neural else 12_345, "params_trainable": 2_345_678 if neural else 12_345,
               "best_val_macro_f1": macro_f1 + 0.01, "best_val_accuracy": 0.61, "train_seconds": 754.2,
               "reviews_per_second": 1234.5 if neural else None, "peak_memory_mb": 1834.5 if neural else 95.0,
               "peak_memory_kind": "cuda_max_allocated" if neural else "cpu_peak_rss",
               "device": device if neural else "cpu", "world_size": 2 if neural else 1,
               "config": {"lr": 0.001}, "some_future_key": [1, 2], **summary_extra}
    if neural:
        summary["best_epoch"] = epochs - 1 if epochs > 1 else 1
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


def write_ablation(root, arch, bs, lr, val_f1, test_f1):
    d = root / arch / f"bs{bs}_lr{lr}"
    d.mkdir(parents=True)
    (d / "summary.json").write_text(json.dumps({
        "name": f"{arch}_bs{bs}_lr{lr}", "arch": arch, "family": "recurrent", "batch_size": bs, "lr": lr,
        "best_epoch": 3, "best_val_macro_f1": val_f1, "best_val_accuracy": 0.6, "train_seconds": 100.0,
        "reviews_per_second": 900.0, "peak_memory_mb": 800.0, "peak_memory_kind": "cuda_max_allocated",
        "device": "cuda:0", "world_size": 1}))
    (d / "metrics_test.json").write_text(json.dumps({"accuracy": 0.6, "macro_f1": test_f1, "n": 100}))
    return d


@pytest.fixture
def artifacts(tmp_path):
    models = [write_run(tmp_path / "models", "lstm", "recurrent", 0.48),
              write_run(tmp_path / "models", "cnn", "convolutional", 0.52, device="cpu")]
    baselines = [write_run(tmp_path / "baselines", "majority", "baseline", 0.067,
                           counts=confusion(0, majority=True)),
                 write_run(tmp_path / "baselines", "tfidf_lr", "baseline", 0.44)]
    ablations = [write_ablation(tmp_path / "ablations", "lstm", bs, lr, 0.40 + 0.01 * i, 0.41 + 0.01 * i)
                 for i, (bs, lr) in enumerate((b, r) for b in (16, 64) for r in (0.0003, 0.003))]
    return {"models": models, "baselines": baselines, "ablations": ablations, "tmp": tmp_path}


def run_partb(*args):
    """The script as a user runs it, from the repository root."""
    return subprocess.run([sys.executable, "scripts/report_partB.py", *map(str, args)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def test_metrics_come_from_the_files_sorted_by_macro_f1(artifacts):
    df = rep.load_metrics(artifacts["models"], artifacts["baselines"])
    assert list(df["name"]) == ["cnn", "lstm", "tfidf_lr", "majority"]
    assert set(rep.METRIC_COLUMNS) <= set(df.columns)
    cnn = df.iloc[0]
    assert [cnn["macro_f1_ci_low"], cnn["macro_f1_ci_high"]] == pytest.approx([0.48, 0.56])
    assert cnn["macro_f1"] == 0.52 and cnn["weighted_f1"] == pytest.approx(0.54) and cnn["accuracy"] == 0.6
    assert cnn["mae"] == 0.55 and cnn["best_val_macro_f1"] == pytest.approx(0.53) and cnn["best_epoch"] == 3
    assert cnn["params_total"] == 2_345_678 and cnn["train_reviews_per_second"] == 1234.5
    assert cnn["inference_reviews_per_second"] == 8765.4 and cnn["device"] == "cpu" and cnn["test_device"] == "cuda:0"
    assert cnn["peak_memory_kind"] == "cuda_max_allocated" and cnn["world_size"] == 2 and cnn["n_test"] == 100
    majority = df.iloc[3]
    assert math.isnan(majority["best_epoch"]) and math.isnan(majority["train_reviews_per_second"])
    assert majority["family"] == "baseline" and majority["peak_memory_kind"] == "cpu_peak_rss"


def test_markdown_table_is_sorted_and_has_a_legend(artifacts):
    md = rep.metrics_table(rep.load_metrics(artifacts["models"], artifacts["baselines"]))
    rows = [line for line in md.splitlines() if line.startswith("| ") and "Model" not in line]
    assert [row.split("|")[1].strip() for row in rows] == ["cnn", "lstm", "tfidf_lr", "majority"]
    assert "| 0.520 [0.480, 0.560] |" in md and "| 0.550 |" in md and "2.35M" in md and "12m 34s" in md
    assert "1,834 MB GPU" in md and "95 MB CPU RSS" in md and "cuda:0 ×2" in md and "cpu ×2 (test: cuda:0)" in md
    legend = md.split("\n\n", 1)[1]
    assert "test split (100 reviews) was used once" in legend and "validation macro-F1 only" in legend
    assert "1-5 scale" in legend and "Device column" in legend and "bootstrap over the test reviews" in legend


def test_each_row_is_compared_with_the_val_chosen_baseline_on_the_same_reviews(artifacts):
    report = rep.load_report(artifacts["models"], artifacts["baselines"])
    df = report.metrics.set_index("name")
    assert set(df["reference"]) == {"tfidf_lr"}  # best val macro-F1 of the two baselines, not the majority
    ref = predictions_from(confusion(len("tfidf_lr")))
    for name in ("cnn", "lstm", "majority"):
        y, pred = predictions_from(report.confusions[name].to_numpy())
        want = f1_score(y, pred, average="macro", zero_division=0) - f1_score(y, ref[1], average="macro")
        assert df.loc[name, "delta_macro_f1"] == pytest.approx(want)
        assert df.loc[name, "delta_ci_low"] < want < df.loc[name, "delta_ci_high"]
    assert df.loc["tfidf_lr", "delta_macro_f1"] == 0
    md = rep.metrics_table(report.metrics)
    assert "| reference |" in md and "minus tfidf_lr's" in md
    majority = df.loc["majority"]
    assert f"| {majority.delta_macro_f1:+.3f} [{majority.delta_ci_low:+.3f}, {majority.delta_ci_high:+.3f}] |" in md


def test_predictions_of_another_split_are_refused(artifacts):
    lstm = artifacts["models"][0]
    frame = pd.read_csv(lstm / "predictions.csv")
    frame.loc[0, "source_row"] = 99999
    frame.to_csv(lstm / "predictions.csv", index=False)
    with pytest.raises(InputError, match="does not cover the same test reviews"):
        rep.load_report(artifacts["models"], artifacts["baselines"])


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


def test_report_bundle_keeps_table_order_and_only_neural_trainlogs(artifacts):
    report = rep.load_report(artifacts["models"], artifacts["baselines"], artifacts["ablations"])
    assert list(report.confusions) == ["cnn", "lstm", "tfidf_lr", "majority"]
    assert list(report.trainlogs) == ["cnn", "lstm"] and list(report.trainlogs["cnn"]["epoch"]) == [1, 2, 3, 4]
    abl = report.ablation
    assert list(abl["batch_size"]) == [16, 16, 64, 64] and list(abl["lr"]) == [0.0003, 0.003, 0.0003, 0.003]
    assert list(abl["val_macro_f1"]) == pytest.approx([0.40, 0.41, 0.42, 0.43]) and set(abl["arch"]) == {"lstm"}
    assert abl.loc[3, "test_macro_f1"] == pytest.approx(0.44)


def test_every_figure_is_a_png(artifacts):
    out = artifacts["tmp"] / "out"
    report = rep.load_report(artifacts["models"], artifacts["baselines"], artifacts["ablations"])
    rep.draw_confusions(report.confusions, out / "cm.png", report.metrics)
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
    md = rep.metrics_table(report.metrics)
    assert "| gru |" in md and "–" in md and "| 0.500 |" in md
    assert math.isnan(report.metrics.loc[0, "mae"])
    rep.draw_confusions(report.confusions, tmp_path / "c.png", report.metrics)
    rep.draw_learning_curves(report.trainlogs, tmp_path / "l.png")
    rep.draw_ablation(report.ablation, tmp_path / "a.png")
    for name in "cla":
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == PNG


@pytest.mark.parametrize("filename, rule", [("summary.json", "train_classifier"),
                                            ("metrics_test.json", "train_classifier"),
                                            ("confusion_matrix.csv", "train_classifier"),
                                            ("trainlog.csv", "train_classifier")])
def test_missing_model_file_names_the_file_and_the_rule(artifacts, filename, rule):
    d = artifacts["models"][1]
    (d / filename).unlink()
    with pytest.raises(InputError) as err:
        rep.load_report(artifacts["models"], artifacts["baselines"])
    assert str(d / filename) in str(err.value) and f"rule {rule}" in str(err.value)


@pytest.mark.parametrize("filename", ["summary.json", "metrics_test.json", "confusion_matrix.csv"])
def test_missing_baseline_file_names_baseline_reviews(artifacts, filename):
    d = artifacts["baselines"][1]
    (d / filename).unlink()
    with pytest.raises(InputError) as err:
        rep.load_report(artifacts["models"], artifacts["baselines"])
    assert str(d / filename) in str(err.value) and "rule baseline_reviews" in str(err.value)


def test_baselines_need_no_trainlog(artifacts):
    assert not (artifacts["baselines"][0] / "trainlog.csv").exists()
    assert len(rep.load_report([], artifacts["baselines"]).metrics) == 2


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
    cnn = artifacts["models"][1]
    (cnn / "confusion_matrix.csv").write_text("true\\predicted,1,2\n1,3,x\n2,0,4\n")
    with pytest.raises(InputError, match="must be a count"):
        rep.read_confusion(cnn / "confusion_matrix.csv")
    log = pd.read_csv(cnn / "trainlog.csv").drop(columns="val_macro_f1")
    log.to_csv(cnn / "trainlog.csv", index=False)
    with pytest.raises(InputError, match="missing column.*val_macro_f1"):
        rep.read_trainlog(cnn / "trainlog.csv")


def test_confusion_of_another_run_and_duplicate_names_are_refused(artifacts):
    cnn = artifacts["models"][1]
    cm = pd.read_csv(cnn / "confusion_matrix.csv", index_col=0)
    cm.iloc[0, 0] += 7
    cm.to_csv(cnn / "confusion_matrix.csv")
    with pytest.raises(InputError, match="holds 107 reviews but metrics_test.json says n = 100"):
        rep.load_report([cnn])
    lstm = artifacts["models"][0]
    with pytest.raises(InputError, match="names model 'lstm', as does"):
        rep.load_report([lstm, lstm])


def test_script_writes_every_output(artifacts):
    out = artifacts["tmp"] / "report"
    proc = run_partb("--models", *artifacts["models"], "--baselines", *artifacts["baselines"],
                     "--ablations", *artifacts["ablations"], "--outdir", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    csv = pd.read_csv(out / "metrics.csv")
    assert list(csv["name"]) == ["cnn", "lstm", "tfidf_lr", "majority"]
    assert csv.loc[0, "macro_f1"] == 0.52 and csv.loc[3, "macro_f1"] == 0.067
    assert csv.loc[1, "inference_reviews_per_second"] == 8765.4 and csv.loc[2, "params_total"] == 12_345
    assert "validation macro-F1 only" in (out / "metrics.md").read_text(encoding="utf-8")
    for png in OUTPUTS[2:]:
        assert (out / png).read_bytes()[:8] == PNG
    assert "2 model(s), 2 baseline(s), 4 ablation run(s)" in proc.stderr


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
