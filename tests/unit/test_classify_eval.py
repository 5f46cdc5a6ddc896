import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from nlpbench.classify import scoring as ce
from nlpbench.core.errors import InputError


def star_map(values=(1, 2, 3, 4, 5)):
    return {"column": "Polarity",
            "classes": [{"id": i, "value": v, "name": str(v), "count": 10} for i, v in enumerate(values)]}


def text_map(names=("neg", "neu", "pos")):
    return {"column": "Sentiment",
            "classes": [{"id": i, "value": n, "name": n, "count": 10} for i, n in enumerate(names)]}


def make_test(y_true, with_type=True):
    n = len(y_true)
    frame = pd.DataFrame({"text": [f"reseña {i} " + "x" * (10 * i) for i in range(n)], "label": y_true,
                          "label_value": [v + 1 for v in y_true], "source_row": [100 + i for i in range(n)],
                          "Town": ["Taxco"] * n})
    if with_type:
        frame["Type"] = ["Hotel" if i % 2 else "Restaurant" for i in range(n)]
    return frame


def one_hot_probs(y_pred, k, confidence):
    """Each row puts `confidence` on its prediction and spreads the rest evenly."""
    probs = np.full((len(y_pred), k), 0.0)
    for row, (p, c) in enumerate(zip(y_pred, confidence)):
        probs[row] = (1 - c) / (k - 1)
        probs[row, p] = c
    return probs


Y_TRUE = np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 2])
Y_PRED = np.array([0, 2, 1, 0, 2, 2, 4, 3, 4, 3, 4, 1])


def test_metrics_equal_scikit_learn():
    m = ce.classification_metrics(Y_TRUE, Y_PRED, star_map())
    assert m["accuracy"] == pytest.approx(accuracy_score(Y_TRUE, Y_PRED))
    assert m["macro_f1"] == pytest.approx(f1_score(Y_TRUE, Y_PRED, average="macro"))
    assert m["weighted_f1"] == pytest.approx(f1_score(Y_TRUE, Y_PRED, average="weighted"))
    p, r, f, s = precision_recall_fscore_support(Y_TRUE, Y_PRED)
    assert list(m["per_class"]) == ["1", "2", "3", "4", "5"]
    for i, name in enumerate(m["per_class"]):
        assert m["per_class"][name] == pytest.approx({"precision": p[i], "recall": r[i], "f1": f[i], "support": s[i]})
    assert m["n"] == len(Y_TRUE)
    json.dumps(m)  # plain Python types only


def test_bootstrap_interval_equals_scikit_learn_on_the_same_resamples():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 5, 120)
    y_pred = np.where(rng.random(120) < 0.6, y_true, rng.integers(0, 5, 120))
    ci = ce.bootstrap_ci(y_true, y_pred, 5, resamples=200, seed=7)
    rows = np.random.default_rng(7).integers(0, 120, size=(200, 120))  # the resamples it draws
    f1 = [f1_score(y_true[r], y_pred[r], labels=range(5), average="macro", zero_division=0) for r in rows]
    acc = [accuracy_score(y_true[r], y_pred[r]) for r in rows]
    assert ci["macro_f1"] == pytest.approx(list(np.percentile(f1, [2.5, 97.5])))
    assert ci["accuracy"] == pytest.approx(list(np.percentile(acc, [2.5, 97.5])))
    point = f1_score(y_true, y_pred, average="macro")
    assert ci["macro_f1"][0] < point < ci["macro_f1"][1] and ci["resamples"] == 200
    assert ce.bootstrap_ci(y_true, y_true, 5)["macro_f1"] == [1.0, 1.0]  # perfect predictions have no spread


def test_paired_difference_scores_both_models_on_the_same_resamples():
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 5, 300)
    good = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 5, 300))
    weak = np.where(rng.random(300) < 0.4, y_true, rng.integers(0, 5, 300))
    d = ce.paired_difference(y_true, good, weak, 5, resamples=500)
    want = f1_score(y_true, good, average="macro") - f1_score(y_true, weak, average="macro")
    assert d["macro_f1"] == pytest.approx(want)
    assert 0 < d["ci95"][0] < want < d["ci95"][1] and d["share_not_worse"] == 1.0
    same = ce.paired_difference(y_true, good, good, 5, resamples=100)
    assert same["macro_f1"] == 0 and same["ci95"] == [0.0, 0.0]  # identical predictions: no noise at all
    flipped = ce.paired_difference(y_true, weak, good, 5, resamples=500)
    assert flipped["ci95"] == pytest.approx([-d["ci95"][1], -d["ci95"][0]])


def noisy(y_true, rng, right):
    """Predictions that are right with probability `right`, else a random class."""
    return np.where(rng.random(len(y_true)) < right, y_true, rng.integers(0, 5, len(y_true)))


def test_one_seed_as_a_stack_equals_plain_predictions():
    rng = np.random.default_rng(11)
    y_true = rng.integers(0, 5, 150)
    a, b = noisy(y_true, rng, 0.6), noisy(y_true, rng, 0.5)
    assert ce.bootstrap_ci(y_true, a[None, :], 5, resamples=300) == ce.bootstrap_ci(y_true, a, 5, resamples=300)
    assert ce.paired_difference(y_true, a[None, :], b[None, :], 5, resamples=300) == \
        ce.paired_difference(y_true, a, b, 5, resamples=300)


def test_seed_averaged_difference_is_the_mean_of_the_per_seed_differences():
    rng = np.random.default_rng(12)
    y_true = rng.integers(0, 5, 200)
    seeds = np.stack([noisy(y_true, rng, right) for right in (0.7, 0.6, 0.65)])
    ref = noisy(y_true, rng, 0.5)
    d = ce.paired_difference(y_true, seeds, ref, 5, resamples=300, seed=3)
    per_seed = [ce.paired_difference(y_true, s, ref, 5, resamples=300, seed=3)["macro_f1"] for s in seeds]
    assert d["macro_f1"] == pytest.approx(np.mean(per_seed))
    rows = np.random.default_rng(3).integers(0, 200, size=(300, 200))  # the resamples it draws

    def f1(y, p):
        return f1_score(y, p, labels=range(5), average="macro", zero_division=0)
    boot = [np.mean([f1(y_true[r], s[r]) for s in seeds]) - f1(y_true[r], ref[r]) for r in rows]
    assert d["ci95"] == pytest.approx(list(np.percentile(boot, [2.5, 97.5])))
    mean_f1 = [np.mean([f1(y_true[r], s[r]) for s in seeds]) for r in rows]
    assert ce.bootstrap_ci(y_true, seeds, 5, resamples=300, seed=3)["macro_f1"] == \
        pytest.approx(list(np.percentile(mean_f1, [2.5, 97.5])))


def test_seed_stacks_compare_like_single_runs():
    rng = np.random.default_rng(13)
    y_true = rng.integers(0, 5, 200)
    good = np.stack([noisy(y_true, rng, 0.7) for _ in range(3)])
    weak = np.stack([noisy(y_true, rng, 0.45) for _ in range(2)])  # sides may have different seed counts
    same = ce.paired_difference(y_true, good, good, 5, resamples=200)
    assert same["macro_f1"] == 0 and same["ci95"] == [0.0, 0.0]
    d = ce.paired_difference(y_true, good, weak, 5, resamples=400)
    flipped = ce.paired_difference(y_true, weak, good, 5, resamples=400)
    assert flipped["macro_f1"] == pytest.approx(-d["macro_f1"])
    assert flipped["ci95"] == pytest.approx([-d["ci95"][1], -d["ci95"][0]])
    with pytest.raises(ValueError, match="for 200 reviews"):
        ce.paired_difference(y_true, good[:, :150], weak, 5)


def test_mae_and_off_by_one_use_the_original_values():
    m = ce.classification_metrics([0, 1, 2, 3, 4], [0, 2, 2, 1, 4], star_map())
    assert m["mae"] == pytest.approx((0 + 1 + 0 + 2 + 0) / 5)
    assert m["off_by_one"] == pytest.approx(1 / 2)  # of the two errors, one is a neighbour
    spaced = ce.classification_metrics([0, 1], [1, 2], star_map(values=(1, 2, 4)))
    assert spaced["mae"] == pytest.approx((1 + 2) / 2) and spaced["off_by_one"] == pytest.approx(0.5)


def test_ordinal_metrics_are_none_for_text_labels_or_no_errors():
    m = ce.classification_metrics([0, 1, 2], [0, 2, 2], text_map())
    assert m["mae"] is None and m["off_by_one"] is None
    assert m["accuracy"] == pytest.approx(2 / 3)
    perfect = ce.classification_metrics([0, 1], [0, 1], star_map())
    assert perfect["mae"] == 0.0 and perfect["off_by_one"] is None


def test_a_class_never_seen_is_still_scored():
    m = ce.classification_metrics([0, 0, 1], [0, 1, 1], star_map())
    assert m["per_class"]["5"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert m["macro_f1"] == pytest.approx(f1_score([0, 0, 1], [0, 1, 1], labels=range(5), average="macro",
                                                   zero_division=0))


def test_confusion_rows_are_true_and_columns_predicted():
    cm = ce.confusion([0, 1, 1], [2, 1, 1], k=3)
    assert cm[0, 2] == 1 and cm[2, 0] == 0 and cm[1, 1] == 2 and cm.shape == (3, 3)


def test_write_confusion_csv_layout_and_png(tmp_path):
    cm = ce.confusion([0, 1, 1, 2], [2, 1, 1, 2], k=3)
    ce.write_confusion(cm, ["neg", "neu", "pos"], tmp_path / "cm.csv", tmp_path / "cm.png", "demo")
    lines = (tmp_path / "cm.csv").read_text(encoding="utf-8").splitlines()
    assert lines == ["true\\predicted,neg,neu,pos", "neg,0,0,1", "neu,0,2,0", "pos,0,0,1"]
    table = pd.read_csv(tmp_path / "cm.csv", index_col=0)
    assert table.loc["neg", "pos"] == 1
    assert (tmp_path / "cm.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_errors_frame_holds_exactly_the_misclassified_rows_confident_first():
    test = make_test([0, 1, 2, 3, 4])
    y_pred = [0, 2, 2, 1, 3]
    probs = one_hot_probs(y_pred, 5, confidence=[0.9, 0.6, 0.8, 0.7, 0.5])
    errors = ce.errors_frame(test, y_pred, probs, ["1", "2", "3", "4", "5"])
    assert list(errors["source_row"]) == [103, 101, 104]  # confidences 0.7, 0.6, 0.5
    assert list(errors["true"]) == ["4", "2", "5"] and list(errors["predicted"]) == ["2", "3", "4"]
    assert errors["confidence"].tolist() == pytest.approx([0.7, 0.6, 0.5])
    assert errors["p_true"].tolist() == pytest.approx([0.075, 0.1, 0.125])
    assert list(errors.columns[:6]) == ["source_row", "text", "true", "predicted", "confidence", "p_true"]
    assert {"Town", "Type"} <= set(errors.columns) and "label" not in errors.columns
    assert errors.loc[0, "text"] == test.loc[3, "text"]


def test_error_analysis_names_the_top_pair_and_the_type_breakdown():
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 3, 4, 4])
    y_pred = np.array([1, 1, 0, 1, 1, 2, 0, 3, 4, 2])  # 0 -> 1 twice: the most confused pair
    md = ce.error_analysis_md(make_test(y_true), y_true, y_pred, star_map())
    pairs = md.split("## Most confused pairs")[1].split("##")[0]
    first_row = [line for line in pairs.splitlines() if line.startswith("| 1 ")][0]
    assert first_row == "| 1 | 2 | 2 | 50.0% |"
    assert "## Accuracy by Type" in md and "| Hotel | 5 |" in md and "| Restaurant | 5 |" in md
    assert "quartile" in md and "Q1: " in md
    assert "50.0% of the errors are off by one" in md
    assert md.count("- source_row ") == 3


def test_error_analysis_without_type_text_labels_or_errors_does_not_crash():
    y = np.array([0, 1, 2, 0])
    md = ce.error_analysis_md(make_test(y, with_type=False), y, np.array([1, 1, 2, 0]), text_map())
    assert "Accuracy by Type" not in md and "| neg | neu | 1 | 100.0% |" in md and "not numeric" in md
    clean = ce.error_analysis_md(make_test(y), y, y, text_map())
    assert "No errors." in clean
    one = ce.error_analysis_md(make_test([0]), np.array([0]), np.array([1]), star_map())
    assert "Q1: " in one


def test_write_eval_artifacts_writes_every_file_with_extra(tmp_path):
    test = make_test(list(Y_TRUE))
    probs = one_hot_probs(Y_PRED, 5, confidence=[0.6] * len(Y_PRED))
    metrics = ce.write_eval_artifacts(tmp_path / "m", test, Y_PRED, probs, star_map(),
                                      extra={"name": "demo", "device": "cpu", "inference_reviews_per_s": 10.0})
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == sorted(ce.ARTIFACTS)
    saved = json.loads((tmp_path / "m" / "metrics_test.json").read_text(encoding="utf-8"))
    assert saved == metrics and saved["device"] == "cpu"
    assert saved["accuracy"] == pytest.approx(accuracy_score(Y_TRUE, Y_PRED))
    assert saved["ci95"] == ce.bootstrap_ci(Y_TRUE, Y_PRED, 5)  # seeded: the same interval on every run
    errors = pd.read_csv(tmp_path / "m" / "errors.csv")
    assert len(errors) == int((Y_TRUE != Y_PRED).sum())
    preds = pd.read_csv(tmp_path / "m" / "predictions.csv")
    assert list(preds.columns) == list(ce.PREDICTION_COLUMNS)
    assert preds["source_row"].tolist() == test["source_row"].tolist() and preds["label"].tolist() == list(Y_TRUE)
    assert preds["prediction"].tolist() == list(Y_PRED) and preds["confidence"].tolist() == pytest.approx([0.6] * 12)


@pytest.mark.parametrize("probs_shape, extra", [((12, 4), None), ((12, 5), {"accuracy": 1.0})])
def test_write_eval_artifacts_rejects_bad_input_before_writing(tmp_path, probs_shape, extra):
    with pytest.raises(ValueError):
        ce.write_eval_artifacts(tmp_path / "m", make_test(list(Y_TRUE)), Y_PRED, np.full(probs_shape, 0.2),
                                star_map(), extra=extra)
    assert not (tmp_path / "m").exists()


def test_load_label_map_orders_classes_and_rejects_junk(tmp_path):
    lmap = star_map((1, 2, 3))
    lmap["classes"].reverse()
    (tmp_path / "ok.json").write_text(json.dumps(lmap), encoding="utf-8")
    assert [c["id"] for c in ce.load_label_map(tmp_path / "ok.json")["classes"]] == [0, 1, 2]
    (tmp_path / "bad.json").write_text('{"column": "Polarity"}', encoding="utf-8")
    with pytest.raises(InputError, match="bad.json"):
        ce.load_label_map(tmp_path / "bad.json")
