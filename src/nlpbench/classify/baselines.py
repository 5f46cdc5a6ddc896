"""Reference classifiers for Part B: the majority class and TF-IDF + logistic regression.

They are the floor a neural model must clear. The TF-IDF model is fitted on
train only, its C is chosen on the validation split's macro-F1, and the test
split is scored once, at the end, with the chosen model.
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from nlpbench.classify.scoring import classification_metrics, write_eval_artifacts
from nlpbench.core.errors import InputError
from nlpbench.core.hardware import cpu_model
from nlpbench.core.io import write_json

log = logging.getLogger(__name__)

MAX_ITER = 5000  # lbfgs on ~10^5 sparse features needs a few hundred at large C; this leaves room


def read_split(path: str | Path, k: int) -> pd.DataFrame:
    """One split CSV from split_reviews.py, with labels checked against the K classes of the label map."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype={"text": str}, keep_default_na=False)  # "NA" is a word, not missing
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(path, f"not a readable CSV: {err}", "point to a split written by split_reviews.py.") from err
    missing = [c for c in ("text", "label", "source_row") if c not in frame.columns]
    if missing:
        raise InputError(path, f"no column(s) {', '.join(missing)} (columns: {', '.join(frame.columns)})",
                         "point to a split written by split_reviews.py, not the raw reviews CSV.")
    labels = pd.to_numeric(frame["label"], errors="coerce")
    if labels.isna().any() or not labels.between(0, k - 1).all() or not (labels % 1 == 0).all():
        raise InputError(path, f"column 'label' holds values outside the label map's ids 0..{k - 1}",
                         "use the label_map.json written together with these splits.")
    return frame.assign(label=labels.astype(int))


def tfidf_features() -> FeatureUnion:
    """Word 1-2-grams for content, char_wb 2-5-grams for misspellings and inflections."""
    return FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
    ])


def fit_majority(train: pd.DataFrame, seed: int) -> DummyClassifier:
    """Predicts the most frequent train class; its probabilities are the train class shares."""
    return DummyClassifier(strategy="prior", random_state=seed).fit(train["text"], train["label"])


def fit_tfidf_lr(train: pd.DataFrame, val: pd.DataFrame, label_map: dict, c_grid,
                 class_weight: str | None, seed: int) -> tuple[Pipeline, list[dict]]:
    """TF-IDF fitted on train, one logistic regression per C; the best on val macro-F1 wins.

    Ties go to the smaller C (the stronger regularisation). Returns the chosen
    pipeline and the grid, one row per C with its val scores.
    """
    features = tfidf_features().fit(train["text"])
    x_train, x_val = features.transform(train["text"]), features.transform(val["text"])
    grid, best, best_f1 = [], None, -1.0
    for c in sorted(set(float(c) for c in c_grid)):
        clf = LogisticRegression(C=c, class_weight=class_weight, max_iter=MAX_ITER, random_state=seed)
        with threadpool_limits(limits=1):  # threaded BLAS makes lbfgs' tiny vector steps 10-30x slower
            clf.fit(x_train, train["label"])
        val_metrics = classification_metrics(val["label"], clf.predict(x_val), label_map)
        grid.append({"C": c, "val_macro_f1": val_metrics["macro_f1"], "val_accuracy": val_metrics["accuracy"],
                     "n_iter": int(np.max(clf.n_iter_))})
        if val_metrics["macro_f1"] > best_f1:
            best, best_f1 = clf, val_metrics["macro_f1"]
    if len(grid) > 1 and best.C in (grid[0]["C"], grid[-1]["C"]):
        log.warning("tfidf_lr: the chosen C=%g is at the edge of the grid; the best C may lie beyond it", best.C)
    return Pipeline([("features", features), ("clf", best)]), grid


def predict_with_probs(model, texts: pd.Series, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(predicted ids, [n, K] probabilities, seconds); a class unseen in train gets probability 0."""
    start = time.perf_counter()
    proba = model.predict_proba(texts)
    seconds = time.perf_counter() - start
    probs = np.zeros((len(texts), k))
    probs[:, model.classes_] = proba
    return probs.argmax(axis=1), probs, seconds


def param_count(model) -> int:
    """Weights including intercepts of the final linear layer; 0 for a model without any."""
    clf = model[-1] if isinstance(model, Pipeline) else model
    if not hasattr(clf, "coef_"):
        return 0
    return int(clf.coef_.size + np.size(clf.intercept_))


def peak_memory_mb() -> float:
    """This process's peak resident memory so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def run_majority(train, val, test, label_map: dict, outdir: str | Path, seed: int) -> tuple[dict, dict]:
    """Fit, score on val, write the test artifacts and summary.json: returns (summary, test metrics)."""
    start = time.perf_counter()
    model = fit_majority(train, seed)
    train_seconds = time.perf_counter() - start
    val_metrics = classification_metrics(val["label"], model.predict(val["text"]), label_map)
    return _finish("majority", model, test, label_map, outdir, train_seconds, val_metrics,
                   selected={}, grid=[], config={"strategy": "prior", "seed": seed})


def run_tfidf_lr(train, val, test, label_map: dict, outdir: str | Path, c_grid,
                 class_weight: str | None, seed: int) -> tuple[dict, dict]:
    """Tune C on val, then score the chosen model once on test: returns (summary, test metrics).

    train_seconds covers the whole grid (features fitted once, one fit per C).
    """
    start = time.perf_counter()
    model, grid = fit_tfidf_lr(train, val, label_map, c_grid, class_weight, seed)
    train_seconds = time.perf_counter() - start
    best = next(row for row in grid if row["C"] == model["clf"].C)
    val_metrics = {"macro_f1": best["val_macro_f1"], "accuracy": best["val_accuracy"]}
    features = {name: len(vec.vocabulary_) for name, vec in model["features"].transformer_list}
    return _finish("tfidf_lr", model, test, label_map, outdir, train_seconds, val_metrics,
                   selected={"C": best["C"]}, grid=grid,
                   config={"class_weight": class_weight, "max_iter": MAX_ITER, "seed": seed,
                           "features": features})


def _finish(name: str, model, test, label_map: dict, outdir, train_seconds: float, val_metrics: dict,
            selected: dict, grid: list[dict], config: dict) -> tuple[dict, dict]:
    outdir = Path(outdir)
    y_pred, probs, seconds = predict_with_probs(model, test["text"], len(label_map["classes"]))
    speed = round(len(test) / seconds, 1) if seconds > 0 else None
    metrics = write_eval_artifacts(outdir, test, y_pred, probs, label_map,
                                   extra={"name": name, "inference_reviews_per_s": speed, "device": "cpu"})
    params = param_count(model)
    summary = {"name": name, "arch": name, "family": "baseline",
               "params_total": params, "params_trainable": params,
               "best_val_macro_f1": val_metrics["macro_f1"], "best_val_accuracy": val_metrics["accuracy"],
               "selected": selected, "val_grid": grid, "config": config,
               "train_seconds": round(train_seconds, 3), "inference_reviews_per_s": speed,
               "peak_memory_mb": peak_memory_mb(), "peak_memory_kind": "cpu_peak_rss",
               "device": "cpu", "device_name": cpu_model(), "world_size": 1}
    write_json(outdir / "summary.json", summary)
    return summary, metrics
