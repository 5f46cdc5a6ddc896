"""Test-set artifacts shared by every review classifier: metrics, confusion, errors.

Every classifier (baselines, neural, fine-tuned transformer) hands its test
predictions to `write_eval_artifacts`, so their outputs are computed the same
way and compare row for row. Labels are the split's ids 0..K-1; the label map
gives each id its name and original value (e.g. 1..5 stars), and when every
value is a number the errors are also measured on that ordinal scale.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from nlpbench.core.errors import InputError
from nlpbench.core.io import atomic_path, write_json, write_text
from nlpbench.core.markdown import markdown_table
from nlpbench.core.plots import heatmap, plt, save
from nlpbench.core.stats import BOOTSTRAP_RESAMPLES, interval, resample_rows

ARTIFACTS = ("metrics_test.json", "confusion_matrix.csv", "confusion_matrix.png",
             "errors.csv", "error_analysis.md", "predictions.csv")
PREDICTION_COLUMNS = ("source_row", "label", "prediction", "confidence")
METRIC_KEYS = ("accuracy", "macro_f1", "weighted_f1", "mae", "off_by_one", "per_class", "n", "ci95")
CONFUSION_CORNER = "true\\predicted"  # the CSV's top-left header cell: rows true, columns predicted
_OWN_COLUMNS = ("text", "label", "label_value", "source_row")  # already in errors.csv under other names
# scikit-learn is imported where its metrics are used: its import (0.6-0.9 s, scipy with it) is most of
# the start-up of the jobs that take only the label map or the bootstrap from here (reports, tiny models).


def load_label_map(path: str | Path) -> dict:
    """label_map.json as written by split_reviews.py, classes ordered by id 0..K-1."""
    path = Path(path)
    try:
        lmap = json.loads(path.read_text(encoding="utf-8"))
        classes = sorted(lmap["classes"], key=lambda c: c["id"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputError(path, f"not a readable label map: {err!r}",
                         "point to the label_map.json that split_reviews.py wrote beside the splits.") from err
    if [c["id"] for c in classes] != list(range(len(classes))):
        raise InputError(path, "class ids are not 0..K-1", "re-run split_reviews.py to rewrite it.")
    return {**lmap, "classes": classes}


def class_names(label_map: dict) -> list[str]:
    return [str(c["name"]) for c in label_map["classes"]]


def ordinal_values(label_map: dict) -> np.ndarray | None:
    """The original label of each id as floats, or None when any is not a number (no ordinal scale)."""
    values = [c["value"] for c in label_map["classes"]]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float)
    return None


def classification_metrics(y_true, y_pred, label_map: dict) -> dict:
    """Accuracy, macro/weighted F1, per-class scores and, for numeric labels, ordinal errors.

    `mae` is the mean |value(true) - value(pred)| on the original labels (in
    stars for 1..5); `off_by_one` is the share of the *errors* that miss by
    exactly one on that scale (None when there are no errors). Both are None
    when the labels are not numeric.
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    names = class_names(label_map)
    labels = list(range(len(names)))  # every class scored, even one never predicted
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    mae = off_by_one = None
    values = ordinal_values(label_map)
    if values is not None:
        diff = np.abs(values[y_true] - values[y_pred])
        mae = float(diff.mean())
        wrong = diff[y_true != y_pred]
        off_by_one = float(np.isclose(wrong, 1.0).mean()) if wrong.size else None
    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
            "weighted_f1": float(f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)),
            "mae": mae, "off_by_one": off_by_one,
            "per_class": {name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                          for name, p, r, f, s in zip(names, precision, recall, f1, support)},
            "n": int(y_true.size)}


def macro_f1_from_confusion(cm: np.ndarray) -> np.ndarray:
    """Macro-F1 of a confusion matrix (rows true), or of each in a stack [..., K, K]; a class never
    seen nor predicted scores 0, as in sklearn's f1_score(labels=range(K), average='macro', zero_division=0)."""
    cm = np.asarray(cm)
    tp = np.diagonal(cm, axis1=-2, axis2=-1).astype(float)
    denom = cm.sum(-2) + cm.sum(-1)
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0).mean(-1)


def resampled_scores(y_true, y_pred, k: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and macro-F1 (over all K classes, as classification_metrics) of each resample of `rows`."""
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    r = len(rows)
    cells = (y_true * k + y_pred)[rows] + (np.arange(r) * k * k)[:, None]
    cms = np.bincount(cells.ravel(), minlength=r * k * k).reshape(r, k, k)
    return np.trace(cms, axis1=1, axis2=2) / rows.shape[1], macro_f1_from_confusion(cms)


def _by_seed(y_true, y_pred) -> np.ndarray:
    """Predictions as [S, n], one row per training seed ([n] is one seed)."""
    preds = np.atleast_2d(np.asarray(y_pred, dtype=int))
    if preds.ndim != 2 or preds.shape[1] != len(y_true):
        raise ValueError(f"predictions of shape {preds.shape} for {len(y_true)} reviews")
    return preds


def seed_mean_scores(y_true, y_pred, k: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """resampled_scores averaged over seeds: `y_pred` is [n] or [S, n] (S seeds on the same reviews)."""
    scores = [resampled_scores(y_true, p, k, rows) for p in _by_seed(y_true, y_pred)]
    return np.mean([s[0] for s in scores], axis=0), np.mean([s[1] for s in scores], axis=0)


def bootstrap_ci(y_true, y_pred, k: int, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict:
    """95% percentile-bootstrap intervals of accuracy and macro-F1 over the test reviews.

    The noise of a test split of n reviews: what the same predictions would
    score on other samples of n reviews. `y_pred` is [n], or [S, n] for a
    model trained with S seeds: each resample then scores the mean over seeds.
    """
    n = len(y_true)
    if n == 0:
        return {"accuracy": None, "macro_f1": None, "resamples": 0}
    acc, f1 = seed_mean_scores(y_true, y_pred, k, resample_rows(n, resamples, seed))
    return {"accuracy": interval(acc), "macro_f1": interval(f1), "resamples": resamples}


def paired_difference(y_true, y_pred, y_ref, k: int, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict:
    """Macro-F1 of `y_pred` minus that of `y_ref` on the same reviews, with a paired 95% bootstrap interval.

    Both models are scored on each resample, so what the two get right or
    wrong together cancels: tighter than comparing two separate intervals.
    Either side may be [n] or [S, n] (S seeds): its macro-F1 is then the mean
    over its seeds, on each resample and on the whole split alike.
    """
    rows = resample_rows(len(y_true), resamples, seed)
    diff = seed_mean_scores(y_true, y_pred, k, rows)[1] - seed_mean_scores(y_true, y_ref, k, rows)[1]
    whole = np.arange(len(y_true))[None, :]
    point = seed_mean_scores(y_true, y_pred, k, whole)[1][0] - seed_mean_scores(y_true, y_ref, k, whole)[1][0]
    return {"macro_f1": float(point), "ci95": interval(diff), "share_not_worse": float(np.mean(diff >= 0))}


def confusion(y_true, y_pred, k: int) -> np.ndarray:
    """K x K counts: rows are the true class, columns the predicted one."""
    from sklearn.metrics import confusion_matrix
    return confusion_matrix(y_true, y_pred, labels=list(range(k)))


def write_confusion(cm, names, csv_path, png_path, title: str) -> None:
    """The matrix as CSV (header 'true\\predicted,<names>') and as a two-panel PNG."""
    cm = np.asarray(cm)
    table = pd.DataFrame(cm, index=pd.Index(names, name=CONFUSION_CORNER), columns=names)
    with atomic_path(csv_path) as tmp:
        table.to_csv(tmp)
    fig, axes = plt.subplots(1, 2, figsize=(5.0 + 1.1 * len(names), 2.2 + 0.5 * len(names)))
    _confusion_panel(axes[0], cm, names, "counts", "{:d}")
    _confusion_panel(axes[1], _row_normalised(cm), names, "share of the true class (rows sum to 1)", "{:.2f}")
    fig.suptitle(f"{title} (n={int(cm.sum())})")
    save(fig, png_path)


def _row_normalised(cm: np.ndarray) -> np.ndarray:
    totals = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, totals, out=np.zeros(cm.shape), where=totals > 0)  # a class absent from test stays 0


def _confusion_panel(ax, values: np.ndarray, names, title: str, fmt: str) -> None:
    labels = [[fmt.format(v) for v in row] for row in values]
    heatmap(ax, values.astype(float), labels, "Blues", 0.0, float(values.max()) or 1.0, fontsize=8)
    ax.set_xticks(range(len(names)), labels=names)
    ax.set_yticks(range(len(names)), labels=names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)


def errors_frame(test: pd.DataFrame, y_pred, probs, names) -> pd.DataFrame:
    """The misclassified rows, most confident mistakes first.

    `confidence` is the probability given to the (wrong) predicted class and
    `p_true` the one left for the right class; the test's other columns
    (Type, Town ...) follow, for slicing the errors.
    """
    y_true, y_pred, probs = test["label"].to_numpy(int), np.asarray(y_pred, dtype=int), np.asarray(probs)
    rows = np.flatnonzero(y_true != y_pred)
    names = np.asarray([str(n) for n in names], dtype=object)
    out = pd.DataFrame({"source_row": test["source_row"].to_numpy()[rows],
                        "text": test["text"].to_numpy()[rows],
                        "true": names[y_true[rows]], "predicted": names[y_pred[rows]],
                        "confidence": probs[rows, y_pred[rows]], "p_true": probs[rows, y_true[rows]]})
    for col in test.columns:
        if col not in _OWN_COLUMNS:
            out[col] = test[col].to_numpy()[rows]
    # stable sort: equal confidences keep test order, so the file is reproducible
    return out.sort_values("confidence", ascending=False, kind="mergesort").reset_index(drop=True)


def error_analysis_md(test: pd.DataFrame, y_true, y_pred, label_map: dict, top: int = 5) -> str:
    """A short Markdown read of the errors: which classes are confused, and where accuracy drops."""
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    names = class_names(label_map)
    correct = y_true == y_pred
    n_err = int((~correct).sum())
    lines = ["# Error analysis (test split)", "",
             f"{correct.size} reviews, {n_err} errors, accuracy {correct.mean():.3f}.", ""]
    pairs = _confused_pairs(confusion(y_true, y_pred, len(names)), names, n_err)
    lines += ["## Most confused pairs (true -> predicted)", ""]
    lines += markdown_table(pairs.head(top), left={"true", "predicted"}).splitlines() if n_err else ["No errors."]
    lines += ["", "## Accuracy by review length (characters, quartile bins)", "",
              *markdown_table(_accuracy_by(_length_bins(test["text"]), correct, "length"),
                             left={"length"}).splitlines()]
    if "Type" in test.columns:
        lines += ["", "## Accuracy by Type", "",
                  *markdown_table(_accuracy_by(test["Type"].astype(str), correct, "Type"), left={"Type"}).splitlines()]
    lines += ["", "## Ordinal distance of the errors", "", _off_by_one_line(y_true, y_pred, label_map, n_err)]
    lines += ["", "## Example errors", "", *_examples(test, y_true, y_pred, names, pairs)]
    return "\n".join(lines) + "\n"


def _confused_pairs(cm: np.ndarray, names, n_err: int) -> pd.DataFrame:
    """Off-diagonal cells, largest first (ties in class order, so the listing is stable)."""
    cells = [(names[i], names[j], int(cm[i, j]), i, j)
             for i in range(len(names)) for j in range(len(names)) if i != j and cm[i, j]]
    frame = pd.DataFrame(cells, columns=["true", "predicted", "count", "_i", "_j"])
    frame = frame.sort_values(["count", "_i", "_j"], ascending=[False, True, True], kind="mergesort")
    frame["share of errors"] = (frame["count"] / max(n_err, 1)).map("{:.1%}".format)
    return frame.reset_index(drop=True)


def _length_bins(texts: pd.Series) -> pd.Series:
    """Each review's length quartile, labelled by the lengths it actually holds ('120-209')."""
    lengths = texts.astype(str).str.len()
    try:
        bins = pd.qcut(lengths, 4, labels=False, duplicates="drop")
    except ValueError:
        bins = None
    if bins is None or bins.isna().any():  # too few distinct lengths to cut: one bin
        bins = pd.Series(0, index=lengths.index)
    ranges = lengths.groupby(bins).agg(["min", "max"])
    return bins.map({b: f"Q{k + 1}: {r['min']}-{r['max']}" for k, (b, r) in enumerate(ranges.iterrows())})


def _accuracy_by(groups: pd.Series, correct: np.ndarray, name: str) -> pd.DataFrame:
    table = pd.Series(correct, index=groups.index).groupby(groups.to_numpy()).agg(["size", "mean"])
    table = table.rename_axis(name).reset_index().rename(columns={"size": "n", "mean": "accuracy"})
    table["accuracy"] = table["accuracy"].map("{:.3f}".format)
    return table


def _off_by_one_line(y_true, y_pred, label_map: dict, n_err: int) -> str:
    metrics = classification_metrics(y_true, y_pred, label_map)
    if metrics["mae"] is None:
        return "The labels are not numeric, so the errors have no ordinal distance."
    if not n_err:
        return "No errors."
    return (f"{metrics['off_by_one']:.1%} of the errors are off by one (a neighbouring value); "
            f"mean absolute error {metrics['mae']:.3f} on the original scale.")


def _examples(test, y_true, y_pred, names, pairs: pd.DataFrame, count: int = 3) -> list[str]:
    """One error from each of the most confused pairs (first in test order), then any others."""
    wrong = np.flatnonzero(y_true != y_pred)
    chosen = [wrong[(y_true[wrong] == i) & (y_pred[wrong] == j)][0] for i, j in zip(pairs["_i"], pairs["_j"])]
    chosen += [r for r in wrong if r not in chosen]
    lines = []
    for r in chosen[:count]:
        text = str(test["text"].iloc[r])
        text = text if len(text) <= 300 else text[:300] + "…"
        lines.append(f"- source_row {test['source_row'].iloc[r]}: true **{names[y_true[r]]}**, "
                     f"predicted **{names[y_pred[r]]}**: {text}")
    return lines or ["No errors."]


def write_eval_artifacts(outdir: str | Path, test: pd.DataFrame, y_pred, probs, label_map: dict,
                         extra: dict | None = None) -> dict:
    """Write the test artifacts (see ARTIFACTS) into `outdir`; returns what metrics_test.json holds.

    `probs` is [n, K] class probabilities; `extra` (inference speed, device ...)
    is merged into metrics_test.json beside the metrics, never over them.
    """
    outdir = Path(outdir)
    names = class_names(label_map)
    y_true, y_pred, probs = test["label"].to_numpy(int), np.asarray(y_pred, dtype=int), np.asarray(probs, dtype=float)
    _check_shapes(y_true, y_pred, probs, len(names))
    clash = set(extra or {}) & set(METRIC_KEYS)
    if clash:
        raise ValueError(f"extra would overwrite metrics {sorted(clash)}")
    metrics = {**classification_metrics(y_true, y_pred, label_map),
               "ci95": bootstrap_ci(y_true, y_pred, len(names)), **(extra or {})}
    write_json(outdir / "metrics_test.json", metrics)
    write_confusion(confusion(y_true, y_pred, len(names)), names, outdir / "confusion_matrix.csv",
                    outdir / "confusion_matrix.png", f"{(extra or {}).get('name', outdir.name)}: test confusion")
    with atomic_path(outdir / "errors.csv") as tmp:
        errors_frame(test, y_pred, probs, names).to_csv(tmp, index=False)
    write_text(outdir / "error_analysis.md", error_analysis_md(test, y_true, y_pred, label_map))
    with atomic_path(outdir / "predictions.csv") as tmp:  # every test row: what paired comparisons need
        pd.DataFrame(dict(zip(PREDICTION_COLUMNS, (test["source_row"].to_numpy(), y_true, y_pred,
                                                   probs[np.arange(len(y_pred)), y_pred])))).to_csv(tmp, index=False)
    return metrics


def _check_shapes(y_true: np.ndarray, y_pred: np.ndarray, probs: np.ndarray, k: int) -> None:
    """Programming errors in a caller, caught before any file is written."""
    if y_pred.shape != y_true.shape:
        raise ValueError(f"{y_pred.shape[0] if y_pred.ndim else 0} predictions for {y_true.size} test rows")
    if probs.shape != (y_true.size, k):
        raise ValueError(f"probs has shape {probs.shape}, expected ({y_true.size}, {k})")
    for name, y in (("test label", y_true), ("prediction", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= k):
            raise ValueError(f"a {name} is outside 0..{k - 1}")
