"""Part B report: the review-classifier metrics tables, the pooled predictions and the figures.

Reads what training, the baselines and the ablations wrote (per model and
seed, and per baseline: `summary.json`, `metrics_test.json`,
`confusion_matrix.csv`, `predictions.csv`, and for neural models
`trainlog.csv`; per ablation run and seed `summary.json` and
`metrics_test.json`) and turns it into `metrics.csv` (one row per run: model
x seed, and each baseline), `predictions.csv` (every run's test predictions,
for paired comparisons), `metrics.md` (one row per model, mean ± std over
seeds, sorted by validation, intervals over test reviews) and three PNGs. As
in Part A (whose readers, formatters and `plot_note` this reuses), loaders
validate everything and raise `InputError` naming the file and the rule that
writes it, so a report rule fails before it writes anything; the `draw_*`
functions only draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from nlpbench.classify.scoring import PREDICTION_COLUMNS, bootstrap_ci, paired_difference
from nlpbench.core.errors import InputError
from nlpbench.core.markdown import markdown_table
from nlpbench.core.plots import heatmap, plt, save
from nlpbench.core.stats import fmt_difference, fmt_mean_std, holds_zero, seed_stats
from nlpbench.report.common import (
    device_cell,
    empty_panel,
    epoch_axis,
    fmt_count,
    fmt_float,
    fmt_seconds,
    memory_cell,
    missing,
    panel_grid,
    params_cell,
    plot_note,
    read_csv,
    read_json,
    require,
)

# Which Snakemake rule writes each input, for error messages.
MODEL_RULE = "train_classifier"
ENCODER_RULE = "finetune_encoder"
BASELINE_RULE = "baseline_reviews"
ABLATION_RULE = "train_classifier_ablation(_cpu)"
ENCODER_ABLATION_RULE = "finetune_encoder_ablation"
ENCODER = "encoder"  # the fine-tuned encoder's directory: models/encoder/seed{N}, ablations/encoder/...

METRIC_COLUMNS = ["name", "seed", "arch", "family", "accuracy", "macro_f1", "macro_f1_ci_low", "macro_f1_ci_high",
                  "weighted_f1", "mae", "off_by_one", "n_test", "params_total", "params_trainable", "best_epoch",
                  "best_val_macro_f1", "best_val_accuracy", "train_seconds", "train_reviews_per_second",
                  "inference_reviews_per_second", "peak_memory_mb", "peak_memory_kind", "device", "device_name",
                  "world_size", "test_device", "reference", "delta_macro_f1", "delta_ci_low", "delta_ci_high"]
_NUMERIC = ["accuracy", "macro_f1", "macro_f1_ci_low", "macro_f1_ci_high", "delta_macro_f1", "delta_ci_low",
            "delta_ci_high", "weighted_f1", "mae", "off_by_one", "n_test", "params_total",
            "params_trainable", "best_epoch", "best_val_macro_f1", "best_val_accuracy", "train_seconds",
            "train_reviews_per_second", "inference_reviews_per_second", "peak_memory_mb", "world_size"]
PREDICTION_TABLE_COLUMNS = ["name", "seed", *PREDICTION_COLUMNS]
# Averaged over seeds in metrics.md; the first six also show their std.
SEED_METRICS = ["best_val_macro_f1", "macro_f1", "accuracy", "weighted_f1", "mae", "train_seconds",
                "train_reviews_per_second", "inference_reviews_per_second", "peak_memory_mb"]
SUMMARY_REQUIRED = ["name"]
METRICS_REQUIRED = ["accuracy", "macro_f1"]
TRAINLOG_REQUIRED = ["epoch", "train_loss", "val_loss", "val_macro_f1"]
ABLATION_COLUMNS = ["run", "arch", "batch_size", "lr", "seed", "val_macro_f1", "test_macro_f1"]
CELL_COLUMNS = ["arch", "batch_size", "lr", "seeds", "val_macro_f1", "val_macro_f1_std",
                "test_macro_f1", "test_macro_f1_std"]
_TRAIN_COLOR, _VAL_COLOR, _F1_COLOR = "#4c72b0", "#dd8452", "#55a868"


# ---------------------------------------------------------------- reading

def _rule(run_dir: Path, summary: dict, baseline: bool, rules=(MODEL_RULE, ENCODER_RULE)) -> str:
    """The rule that writes this run: the baselines', the encoder's (own family or directory), or the classifiers'."""
    if baseline:
        return BASELINE_RULE
    # models/encoder/seed{N} or ablations/encoder/bs{B}_lr{LR}/seed{N}: known before summary.json is read
    in_encoder_dir = ENCODER in run_dir.parts[-3:]
    return rules[1] if summary.get("family") == "transformer" or in_encoder_dir else rules[0]


def _check_seed(summary: dict, path: Path, rule: str) -> None:
    """Every trained run names its seed; one without was written before seeds were a dimension."""
    if "seed" not in summary:
        raise InputError(path, "has no 'seed': written before every model ran once per seed",
                         f"run rule {rule} again with the current code (one run directory per seed).")
    seed = summary["seed"]
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InputError(path, f"'seed' must be a whole number, got {seed!r}", f"run rule {rule} again.")


def model_row(run_dir: str | Path, baseline: bool = False) -> dict:
    """One metrics.csv row from a run's summary.json and metrics_test.json (seed None for a baseline)."""
    run_dir = Path(run_dir)
    summary = read_json(run_dir / "summary.json", _rule(run_dir, {}, baseline))
    rule = _rule(run_dir, summary, baseline)
    require(summary, SUMMARY_REQUIRED, run_dir / "summary.json", rule)
    if not baseline:
        _check_seed(summary, run_dir / "summary.json", rule)
    test = read_json(run_dir / "metrics_test.json", rule)
    require(test, METRICS_REQUIRED, run_dir / "metrics_test.json", rule)
    return {
        **{k: summary.get(k) for k in ("name", "arch", "family", "params_total", "params_trainable",
                                       "best_epoch", "best_val_macro_f1", "best_val_accuracy",
                                       "train_seconds", "peak_memory_mb", "peak_memory_kind",
                                       "device", "device_name", "world_size")},
        "seed": None if baseline else summary["seed"],
        "train_reviews_per_second": summary.get("reviews_per_second"),
        **{k: test.get(k) for k in ("accuracy", "macro_f1", "weighted_f1", "mae", "off_by_one")},
        **_ci_cells(test),
        "n_test": test.get("n"),
        "inference_reviews_per_second": test.get("inference_reviews_per_s"),
        "test_device": test.get("device"),
    }


def _ci_cells(test: dict) -> dict:
    """The bootstrap interval of test macro-F1, or None for metrics written before intervals existed."""
    ci = (test.get("ci95") or {}).get("macro_f1") or [None, None]
    return {"macro_f1_ci_low": ci[0], "macro_f1_ci_high": ci[1]}


def _check_unique(rows: list[dict], dirs: list[Path]) -> None:
    """One run per (model, seed), and no name both a baseline and a trained model: rows must not blur."""
    seen: dict[tuple, Path] = {}
    kind: dict[str, tuple[bool, Path]] = {}
    for row, d in zip(rows, dirs):
        name, seed = str(row["name"]), row["seed"]
        what = f"baseline '{name}'" if seed is None else f"model '{name}' seed {seed}"
        if (name, seed) in seen:
            raise InputError(d / "summary.json", f"is {what}, as is {seen[name, seed] / 'summary.json'}",
                             "pass each run directory once; every run of a model needs its own seed.")
        first = kind.setdefault(name, (seed is None, d))
        if first[0] != (seed is None):
            raise InputError(d / "summary.json", f"names '{name}', as does {first[1] / 'summary.json'}, but one "
                             "is a baseline and the other a trained model", "give every model its own name.")
        seen[name, seed] = d


def model_order(frame: pd.DataFrame) -> list[str]:
    """Model names by mean validation macro-F1 over their seeds, best first (never by test); none last."""
    means = pd.to_numeric(frame["best_val_macro_f1"], errors="coerce").groupby(frame["name"], sort=False).mean()
    return [str(n) for n in means.sort_values(ascending=False, kind="stable", na_position="last").index]


def sort_by_validation(frame: pd.DataFrame) -> pd.DataFrame:
    """Runs grouped by model in model_order, then by seed; the index keeps each row's input position."""
    rank = {n: i for i, n in enumerate(model_order(frame))}
    return (frame.assign(_rank=frame["name"].astype(str).map(rank))
            .sort_values(["_rank", "seed"], kind="stable", na_position="first").drop(columns="_rank"))


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    for col in _NUMERIC:  # JSON null -> NaN, so sorting and formatting need no special cases
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    frame["seed"] = pd.array(frame["seed"], dtype="Int64")  # '42' in the CSV, empty for a baseline
    return frame


def load_metrics(model_dirs, baseline_dirs=()) -> pd.DataFrame:
    """metrics.csv without the comparisons: one row per run (model x seed) and baseline, in validation order."""
    dirs = [Path(d) for d in (*model_dirs, *baseline_dirs)]
    rows = [model_row(d) for d in model_dirs] + [model_row(d, baseline=True) for d in baseline_dirs]
    _check_unique(rows, dirs)
    return sort_by_validation(_frame(rows)).reset_index(drop=True)


def read_confusion(path: str | Path, rule: str = MODEL_RULE) -> pd.DataFrame:
    """confusion_matrix.csv as counts: index = true class, columns = predicted class (both str).

    Relies on the layout only (first column the true class, the header the
    predicted classes); the first header cell's text is not checked. Classes
    present on one axis only are added to the other with zero counts.
    """
    path = Path(path)
    read_csv(path, rule, [])  # missing or unparsable -> InputError naming the rule
    # Again as text, so class names stay as written ("01", "NA"), not numbers or NaN.
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if frame.shape[1] < 2 or frame.empty:
        raise InputError(path, f"expected a header of class names and one row per true class, "
                         f"got {frame.shape[0]} row(s) x {frame.shape[1]} column(s)",
                         f"delete it and run rule {rule} again.")
    if (frame.iloc[:, 0].str.strip() == "").any():
        raise InputError(path, "a row has no true-class name in its first cell",
                         f"delete it and run rule {rule} again.")
    counts = frame.set_index(frame.columns[0])
    counts = counts.apply(lambda col: pd.to_numeric(col.str.strip(), errors="coerce"))
    if counts.isna().any().any() or (counts < 0).any().any():
        raise InputError(path, "every cell after the first column must be a count (a number >= 0)",
                         f"delete it and run rule {rule} again.")
    if counts.index.duplicated().any() or counts.columns.duplicated().any():
        raise InputError(path, "a class name appears twice", f"delete it and run rule {rule} again.")
    classes = list(counts.columns) + [c for c in counts.index if c not in counts.columns]
    counts = counts.reindex(index=classes, columns=classes, fill_value=0)
    counts.index.name, counts.columns.name = "true", "predicted"
    return counts


def read_trainlog(path: str | Path, rule: str = MODEL_RULE) -> pd.DataFrame:
    """trainlog.csv with numeric columns, sorted by epoch."""
    log = read_csv(path, rule, TRAINLOG_REQUIRED)
    for col in log.columns:
        log[col] = pd.to_numeric(log[col], errors="coerce")
    return log.sort_values("epoch").reset_index(drop=True)


def read_predictions(path: str | Path, rule: str = MODEL_RULE) -> pd.DataFrame:
    """predictions.csv (one row per test review) indexed by source_row, in the file's (the test split's) order."""
    path = Path(path)
    frame = read_csv(path, rule, list(PREDICTION_COLUMNS))
    for col in ("label", "prediction"):
        ids = pd.to_numeric(frame[col], errors="coerce")
        if ids.isna().any() or (ids < 0).any() or (ids % 1 != 0).any():
            raise InputError(path, f"column {col} must hold class ids (whole numbers >= 0)",
                             f"delete it and run rule {rule} again.")
        frame[col] = ids.astype(int)
    if frame["source_row"].duplicated().any():
        raise InputError(path, "a source_row appears twice", f"delete it and run rule {rule} again.")
    return frame.set_index("source_row")


@dataclass
class Run:
    """One run directory, read and checked: its metrics.csv row and what comparisons and figures need."""
    dir: Path
    rule: str
    row: dict
    confusion: pd.DataFrame
    predictions: pd.DataFrame
    trainlog: pd.DataFrame | None = None


def read_run(run_dir: str | Path, baseline: bool = False) -> Run:
    """A model run (with its trainlog) or a baseline, every file checked against the others."""
    d = Path(run_dir)
    row = model_row(d, baseline)
    rule = _rule(d, row, baseline)
    cm = read_confusion(d / "confusion_matrix.csv", rule)
    n_test, total = pd.to_numeric(row["n_test"], errors="coerce"), int(cm.to_numpy().sum())
    if not missing(n_test) and total != n_test:
        raise InputError(d / "confusion_matrix.csv",
                         f"holds {total} reviews but metrics_test.json says "
                         f"n = {row['n_test']}: the two come from different runs",
                         f"run rule {rule} again so it rewrites both.")
    preds = read_predictions(d / "predictions.csv", rule)
    if len(preds) != total or preds[["label", "prediction"]].to_numpy().max(initial=0) >= len(cm):
        raise InputError(d / "predictions.csv", f"holds {len(preds)} predictions over class ids up to "
                         f"{preds[['label', 'prediction']].to_numpy().max(initial=0)}, but confusion_matrix.csv "
                         f"counts {total} reviews in {len(cm)} classes: the two come from different runs",
                         f"run rule {rule} again so it rewrites both.")
    log = None if baseline else read_trainlog(d / "trainlog.csv", rule)
    return Run(d, rule, row, cm, preds, log)


def _aligned(runs: list[Run], anchor: Run) -> None:
    """Put every run's predictions in the anchor's review order, after checking they hold the same reviews."""
    ref = anchor.predictions
    for run in runs:
        mine = run.predictions
        same = mine.index.sort_values().equals(ref.index.sort_values())
        if same:
            mine = mine.reindex(ref.index)
        if not same or not mine["label"].equals(ref["label"]):
            rules = f"rule {run.rule}" if run.rule == anchor.rule else f"rules {run.rule} and {anchor.rule}"
            raise InputError(run.dir / "predictions.csv", f"does not cover the same test reviews and labels as "
                             f"{anchor.dir / 'predictions.csv'}: the runs used different splits",
                             f"rerun {rules} on the same split.")
        run.predictions = mine


def reference_run(runs: list[Run]) -> Run | None:
    """The baseline with the best *validation* macro-F1 (TF-IDF + LR, not the majority class), never chosen on test."""
    baselines = [r for r in runs if r.rule == BASELINE_RULE]
    if not baselines:
        return None
    return max(baselines, key=lambda r: -1.0 if missing(r.row["best_val_macro_f1"]) else r.row["best_val_macro_f1"])


def _compare_runs(runs: list[Run], ref: Run | None, k: int) -> None:
    """Each run's test macro-F1 minus the reference's, from its own predictions, with a paired interval."""
    if ref is None:
        return
    labels, theirs = ref.predictions["label"].to_numpy(), ref.predictions["prediction"].to_numpy()
    for run in runs:
        diff = paired_difference(labels, run.predictions["prediction"].to_numpy(), theirs, k)
        run.row.update(reference=str(ref.row["name"]), delta_macro_f1=diff["macro_f1"],
                       delta_ci_low=diff["ci95"][0], delta_ci_high=diff["ci95"][1])


def _distinct(values) -> str | None:
    """A model's seeds may run on different machines: every distinct value, ' / '-joined."""
    seen = [str(v) for v in dict.fromkeys(values) if isinstance(v, str) and v]
    return " / ".join(seen) or None


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per model and baseline in validation order: `seeds`, mean and `_std` of SEED_METRICS,
    and what its runs share (parameters, devices)."""
    stats = seed_stats(runs, "name", SEED_METRICS)
    groups = runs.groupby("name", sort=False)
    stats["seeds"] = stats["name"].map(groups["seed"].count())  # a baseline has no seed: 0
    shared = groups[["arch", "family", "params_total", "params_trainable", "peak_memory_kind", "world_size",
                     "n_test"]].first()
    devices = groups[["device", "device_name", "test_device"]].agg(_distinct)
    out = stats.merge(shared.join(devices).reset_index(), on="name")
    for col in ("reference", "macro_f1_ci_low", "macro_f1_ci_high", "delta_macro_f1", "delta_ci_low",
                "delta_ci_high"):
        out[col] = None if col == "reference" else math.nan
    rank = {n: i for i, n in enumerate(model_order(runs))}
    return out.sort_values("name", key=lambda s: s.map(rank), kind="stable").reset_index(drop=True)


def seed_stack(runs: list[Run], name: str) -> np.ndarray:
    """[S, n] test predictions of a model's seeds (one row for a baseline), in the aligned review order."""
    return np.stack([r.predictions["prediction"].to_numpy() for r in runs if str(r.row["name"]) == name])


def compare_models(summary: pd.DataFrame, runs: list[Run], ref: Run | None, k: int) -> pd.DataFrame:
    """Per model, from every seed's predictions: the bootstrap interval of its seed-averaged test macro-F1
    over test reviews and, given a reference, the seed-averaged paired difference from it."""
    if not runs:
        return summary
    summary = summary.copy()
    labels = runs[0].predictions["label"].to_numpy()
    for i, name in enumerate(summary["name"]):
        preds = seed_stack(runs, name)
        summary.loc[i, ["macro_f1_ci_low", "macro_f1_ci_high"]] = bootstrap_ci(labels, preds, k)["macro_f1"]
        if ref is not None:
            diff = paired_difference(labels, preds, ref.predictions["prediction"].to_numpy(), k)
            summary.loc[i, ["delta_macro_f1", "delta_ci_low", "delta_ci_high"]] = [diff["macro_f1"], *diff["ci95"]]
            summary.loc[i, "reference"] = str(ref.row["name"])
    return summary


def predictions_table(runs: list[Run]) -> pd.DataFrame:
    """predictions.csv: every run's test predictions, one row per run and review (columns PREDICTION_TABLE_COLUMNS)."""
    parts = [r.predictions.reset_index().assign(name=r.row["name"], seed=r.row["seed"]) for r in runs]
    if not parts:
        return pd.DataFrame(columns=PREDICTION_TABLE_COLUMNS)
    table = pd.concat(parts, ignore_index=True)[PREDICTION_TABLE_COLUMNS]
    table["seed"] = pd.array(table["seed"], dtype="Int64")
    return table


def summed_confusions(runs: list[Run], names: list[str]) -> dict[str, pd.DataFrame]:
    """Per model, its seeds' confusion counts summed (classes in first-seen order), in `names` order."""
    out = {}
    for name in names:
        cms = [r.confusion for r in runs if str(r.row["name"]) == name]
        classes = list(dict.fromkeys(c for cm in cms for c in cm.columns))
        out[name] = sum(cm.reindex(index=classes, columns=classes, fill_value=0) for cm in cms)
    return out


def seed_trainlogs(runs: list[Run], names: list[str]) -> dict[str, pd.DataFrame]:
    """Per neural model, its seeds' trainlogs stacked, a `seed` column telling them apart, in `names` order."""
    logs: dict[str, list[pd.DataFrame]] = {}
    for r in runs:
        if r.trainlog is not None:
            logs.setdefault(str(r.row["name"]), []).append(r.trainlog.assign(seed=r.row["seed"]))
    return {n: pd.concat(logs[n], ignore_index=True) for n in names if n in logs}


@dataclass
class PartB:
    """Everything the report writes and draws, read and checked before anything is written."""
    metrics: pd.DataFrame                  # metrics.csv: one row per run (model x seed, baselines), validation order
    summary: pd.DataFrame                  # metrics.md: one row per model, mean ± std over seeds, intervals, Δ
    predictions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PREDICTION_TABLE_COLUMNS))
    confusions: dict[str, pd.DataFrame] = field(default_factory=dict)   # summed over seeds, table order
    trainlogs: dict[str, pd.DataFrame] = field(default_factory=dict)    # neural models, every seed
    ablation: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ABLATION_COLUMNS))


def load_report(model_dirs, baseline_dirs=(), ablation_dirs=()) -> PartB:
    """Read and check every input: model runs (with trainlogs), baselines and ablation runs."""
    runs = [read_run(d) for d in model_dirs] + [read_run(d, baseline=True) for d in baseline_dirs]
    _check_unique([r.row for r in runs], [r.dir for r in runs])
    ref = reference_run(runs)
    if runs:
        _aligned(runs, ref or runs[0])
    k = max((len(r.confusion) for r in runs), default=0)
    _compare_runs(runs, ref, k)
    metrics = sort_by_validation(_frame([r.row for r in runs]))
    runs = [runs[i] for i in metrics.index]
    metrics = metrics.reset_index(drop=True)
    summary = compare_models(summarize(metrics), runs, ref, k)
    names = [str(n) for n in summary["name"]]
    return PartB(metrics=metrics, summary=summary, predictions=predictions_table(runs),
                 confusions=summed_confusions(runs, names), trainlogs=seed_trainlogs(runs, names),
                 ablation=load_ablation(ablation_dirs))


def _ablation_place(run_dir: Path) -> tuple[str, str]:
    """(setting, arch) from ablations/{arch}/bs{B}_lr{LR}/seed{N}, for summaries that do not say."""
    setting = run_dir.parent if run_dir.name.startswith("seed") and run_dir.name[4:].isdigit() else run_dir
    return setting.name, setting.parent.name


def ablation_row(run_dir: str | Path) -> dict:
    """One ablation run: arch, batch size, lr, seed, best val macro-F1 and test macro-F1."""
    run_dir = Path(run_dir)
    summary = read_json(run_dir / "summary.json", _rule(run_dir, {}, False, (ABLATION_RULE, ENCODER_ABLATION_RULE)))
    rule = _rule(run_dir, summary, False, (ABLATION_RULE, ENCODER_ABLATION_RULE))
    require(summary, ["batch_size", "lr", "best_val_macro_f1"], run_dir / "summary.json", rule)
    _check_seed(summary, run_dir / "summary.json", rule)
    test = read_json(run_dir / "metrics_test.json", rule)
    require(test, ["macro_f1"], run_dir / "metrics_test.json", rule)
    setting, arch = _ablation_place(run_dir)
    return {"run": setting, "arch": summary.get("arch") or arch, "batch_size": summary["batch_size"],
            "lr": summary["lr"], "seed": summary["seed"], "val_macro_f1": summary["best_val_macro_f1"],
            "test_macro_f1": test["macro_f1"]}


def load_ablation(dirs) -> pd.DataFrame:
    """One row per ablation run and seed (columns ABLATION_COLUMNS): archs in the order given, then batch
    size, lr, seed."""
    dirs = [Path(d) for d in dirs]
    frame = pd.DataFrame([ablation_row(d) for d in dirs], columns=ABLATION_COLUMNS)
    for col in ("batch_size", "lr", "seed", "val_macro_f1", "test_macro_f1"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    bad = frame[frame[["batch_size", "lr"]].isna().any(axis=1)]
    if not bad.empty:
        d = dirs[bad.index[0]]
        raise InputError(d / "summary.json", "batch_size and lr must be numbers",
                         f"run rule {ABLATION_RULE} again with the current code.")
    dup = frame.duplicated(["arch", "batch_size", "lr", "seed"], keep=False)
    if dup.any():
        twins = [str(dirs[i] / "summary.json") for i in frame.index[dup]]
        raise InputError(twins[0], f"same arch, batch size, lr and seed as {', '.join(twins[1:])}",
                         "pass each ablation run once; check the summaries' batch_size, lr and seed.")
    # Archs in the order given (the config's), each grid by batch size then lr.
    frame["_arch_order"] = frame["arch"].map({a: i for i, a in enumerate(dict.fromkeys(frame["arch"]))})
    return (frame.sort_values(["_arch_order", "batch_size", "lr", "seed"]).drop(columns="_arch_order")
            .reset_index(drop=True))


def ablation_cells(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (arch, batch size, lr): how many seeds, and the mean and std over them of val and test
    macro-F1 (columns CELL_COLUMNS; std NaN for one seed), in load_ablation's order."""
    groups = runs.groupby(["arch", "batch_size", "lr"], sort=False)
    cells = groups.agg(seeds=("seed", "size"), val_macro_f1=("val_macro_f1", "mean"),
                       val_macro_f1_std=("val_macro_f1", "std"), test_macro_f1=("test_macro_f1", "mean"),
                       test_macro_f1_std=("test_macro_f1", "std"))
    return cells.reset_index()[CELL_COLUMNS]


def best_settings(cells: pd.DataFrame) -> pd.DataFrame:
    """Per arch, the ablation_cells row with the best *mean* validation macro-F1: what a selection picks."""
    scored = cells.dropna(subset=["val_macro_f1"])
    return scored.loc[scored.groupby("arch", sort=False)["val_macro_f1"].idxmax()].reset_index(drop=True)


# ---------------------------------------------------------------- the table

def _test_f1_cell(row) -> str:
    """Mean ± std over seeds, then the bootstrap interval of the seed-averaged macro-F1 over test reviews."""
    cell = fmt_mean_std(row.macro_f1, row.macro_f1_std)
    if not missing(row.macro_f1_ci_low) and not missing(row.macro_f1_ci_high):
        cell += f" [{row.macro_f1_ci_low:.3f}, {row.macro_f1_ci_high:.3f}]"
    return cell


def _delta_cell(row) -> str:
    if missing(row.delta_macro_f1):
        return "–"
    if row.name == row.reference:
        return "reference"
    ci = (row.delta_ci_low, row.delta_ci_high)
    return fmt_difference(row.delta_macro_f1, ci) + (" (cannot tell)" if holds_zero(ci) else "")


def _time_cell(mean, std) -> str:
    return fmt_seconds(mean) + ("" if missing(mean) or missing(std) else f" ± {fmt_seconds(std)}")


def _device_cells(df: pd.DataFrame) -> list[str]:
    cells = []
    for row in df.itertuples():
        cell = device_cell(SimpleNamespace(device=row.device, device_name=row.device_name,
                                            world_size=row.world_size))
        if isinstance(row.test_device, str) and row.test_device and row.test_device != row.device:
            cell += f" (test: {row.test_device})"
        cells.append(cell)
    return cells


def table_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """The display table, formatted as strings, in summarize's (validation) order."""
    rows = list(summary.itertuples())
    return pd.DataFrame({
        "Model": summary["name"],
        "Family": [f if isinstance(f, str) and f else "–" for f in summary["family"]],
        "Parameters": [params_cell(r) for r in rows],
        "Seeds": [f"{int(r.seeds)}" if r.seeds else "–" for r in rows],
        "Val macro-F1": [fmt_mean_std(r.best_val_macro_f1, r.best_val_macro_f1_std) for r in rows],
        "Test macro-F1 [95% CI]": [_test_f1_cell(r) for r in rows],
        "Δ test macro-F1 vs baseline [paired 95% CI]": [_delta_cell(r) for r in rows],
        "Test accuracy": [fmt_mean_std(r.accuracy, r.accuracy_std) for r in rows],
        "Test weighted-F1": [fmt_mean_std(r.weighted_f1, r.weighted_f1_std) for r in rows],
        "Test MAE": [fmt_mean_std(r.mae, r.mae_std) for r in rows],
        "Train time": [_time_cell(r.train_seconds, r.train_seconds_std) for r in rows],
        "Train reviews/s": [fmt_count(r.train_reviews_per_second) for r in rows],
        "Inference reviews/s": [fmt_count(r.inference_reviews_per_second) for r in rows],
        "Peak memory": [memory_cell(r) for r in rows],
        "Device": _device_cells(summary),
    })


_LEFT = {"Model", "Family", "Device"}


def _reference(summary: pd.DataFrame) -> str | None:
    refs = summary["reference"].dropna() if "reference" in summary else []
    return str(refs.iloc[0]) if len(refs) else None


def _seed_note(summary: pd.DataFrame) -> str:
    counts = sorted({int(n) for n in summary["seeds"] if n})
    if not counts:
        return "No trained model in this table, only baselines."
    if counts == [1]:
        return ("One training seed per model: std is not shown (run more seeds to get one). "
                "metrics.csv has one row per run.")
    return (f"Mean ± standard deviation over {'/'.join(map(str, counts))} training seeds per model (the Seeds "
            "column says how many; a model with one seed shows no ±); metrics.csv has one row per seed.")


def metrics_table(summary: pd.DataFrame) -> str:
    """Markdown: one row per model and baseline sorted by validation, and a legend saying how to read it."""
    n = summary["n_test"].dropna()
    n_text = f" ({int(n.iloc[0]):,} reviews)" if not n.empty and n.nunique() == 1 else ""
    legend = [
        "Sorted by mean validation macro-F1 (higher is better), never by test: the test split" + n_text +
        " was scored once per run, after training; every choice (best epoch, early stopping, ablation "
        "setting, the reference baseline) used validation macro-F1 only.",
        _seed_note(summary),
        "The interval after each test macro-F1 is a 95% percentile bootstrap over the test reviews of the "
        "seed-averaged macro-F1 (the same resamples for every model): the noise of a test split this size, "
        "where the ± is the noise of training.",
        *([f"Δ is each model's test macro-F1 minus {ref}'s (the baseline with the best validation "
           "macro-F1), seeds averaged, with a paired bootstrap interval: both scored on the same resampled "
           "reviews. \"(cannot tell)\": the interval contains 0, so the test split cannot tell the two apart."]
          if (ref := _reference(summary)) else []),
        "Macro-F1 weighs every class equally, weighted-F1 by its support. MAE is the mean absolute "
        "difference between predicted and true rating on the 1-5 scale (lower is better; – where "
        "not reported).",
        "Baselines (majority class, TF-IDF + logistic regression) are deterministic: one run, no seed "
        "(Seeds –), no epochs and no learning curve.",
        "Training time, training reviews/s and peak memory (means over seeds) were measured during "
        "training on the Device column's device (×N: N processes); inference reviews/s on the test split, "
        "on the device shown after \"test:\" where it differs. GPU peak memory is the CUDA allocator's "
        "maximum, CPU RSS the process's peak resident set; the two are not comparable.",
    ]
    return markdown_table(table_rows(summary), left=_LEFT) + "\n\n" + "\n".join(f"- {line}" for line in legend) + "\n"


# ---------------------------------------------------------------- figures

def _fmt_lr(lr: float) -> str:
    """0.001, 3e-4 style: short tick labels for learning rates."""
    return f"{lr:g}".replace("e-0", "e-")


def _seeds_text(n) -> str:
    return "" if missing(n) or not n else f"{int(n)} seed{'s' if n != 1 else ''}"


def _f1_range(logs: dict[str, pd.DataFrame]) -> tuple[float, float]:
    """The val macro-F1 axis: every model's values, widened to tenths."""
    values = pd.concat([log["val_macro_f1"] for log in logs.values()]).dropna()
    if values.empty:
        return 0.0, 1.0
    lo, hi = math.floor(values.min() * 10) / 10, math.ceil(values.max() * 10) / 10
    return max(0.0, lo if hi > lo else lo - 0.1), min(1.0, hi if hi > lo else hi + 0.1)


def draw_confusions(confusions: dict[str, pd.DataFrame], path: str | Path,
                    summary: pd.DataFrame | None = None) -> None:
    """One panel per model, counts summed over its seeds: colour = share of the true class's reviews
    (rows sum to 1), text = counts.

    With `summary` (PartB.summary), each panel's title adds how many seeds it sums and the mean
    test macro-F1 and accuracy over them.
    """
    if not confusions:
        return plot_note(path, "no models to plot")
    scores = {} if summary is None else {str(r.name): r for r in summary.itertuples()}
    k = max(len(cm) for cm in confusions.values())
    cell = 0.42 if k <= 6 else 0.3
    side = max(2.6, cell * k + 0.9)
    nrows, ncols = panel_grid(len(confusions))
    fig, axes = plt.subplots(nrows, ncols, figsize=(side * ncols + 1.0, (side + 0.75) * nrows + 0.5),
                             squeeze=False, layout="constrained")
    im = None
    for ax, (name, cm) in zip(axes.flat, confusions.items()):
        counts = cm.to_numpy(dtype=float)
        totals = counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(totals > 0, counts / totals, np.nan)  # a class absent from test: grey row
        labels = [[f"{c:,.0f}" for c in row] for row in counts]
        im = heatmap(ax, shares, labels, "Blues", 0.0, 1.0,
                                fontsize=8 if k <= 6 else 6 if k <= 12 else 0)
        ax.set_xticks(range(len(cm.columns)), cm.columns, fontsize=8)
        ax.set_yticks(range(len(cm.index)), cm.index, fontsize=8)
        ax.set_xlabel("predicted", fontsize=9)
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("true", fontsize=9)
        ax.set_title(_confusion_title(name, scores.get(name)), fontsize=10)
    for ax in axes.flat[len(confusions):]:
        ax.set_visible(False)
    bar = fig.colorbar(im, ax=axes, shrink=0.6 if nrows > 1 else 0.9, aspect=25, pad=0.02)
    bar.set_label("share of the true class (row)")
    fig.suptitle("Test-set confusion matrices (colour: row share; numbers: reviews, summed over a model's seeds)")
    save(fig, path)


def _confusion_title(name: str, row) -> str:
    if row is None:
        return name
    seeds = _seeds_text(row.seeds)
    head = f"{name} (sum of {seeds})" if seeds else f"{name} (one run)"
    mean = "mean " if row.seeds and row.seeds > 1 else ""
    return f"{head}\n{mean}macro-F1 {fmt_float(row.macro_f1)} · acc {fmt_float(row.accuracy)}"


def draw_learning_curves(logs: dict[str, pd.DataFrame], path: str | Path) -> None:
    """Per neural model, every seed's train and val loss (left axis) and val macro-F1 (right axis) per epoch.

    Seeds share their kind's colour, so the spread between them is the training noise; a dotted line
    marks each seed's epoch with the best val macro-F1, the checkpoint that was tested.
    """
    if not logs:
        return plot_note(path, "no neural models to plot")
    nrows, ncols = panel_grid(len(logs))
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(6.0, 4.4 * ncols), 3.1 * nrows + 0.7),
                             squeeze=False, layout="constrained")
    f1_lo, f1_hi = _f1_range(logs)
    handles = {}
    for ax, (name, log) in zip(axes.flat, logs.items()):
        seeds = list(dict.fromkeys(log["seed"])) if "seed" in log else [None]
        ax.set_title(f"{name} ({_seeds_text(len(seeds))})" if seeds != [None] else name)
        if log[["train_loss", "val_loss", "val_macro_f1"]].isna().all().all():
            empty_panel(ax, "nothing logged")
            continue
        f1 = ax.twinx()
        for seed in seeds:
            one = log if seed is None else log[log["seed"] == seed]
            for line in _seed_curves(ax, f1, one, alpha=1.0 if len(seeds) == 1 else 0.75):
                handles.setdefault(line.get_label(), line)
        pad = 0.03 * (f1_hi - f1_lo)  # one range for every panel, so heights compare across models
        f1.set_ylim(f1_lo - pad, f1_hi + pad)
        f1.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
        f1.tick_params(axis="y", colors=_F1_COLOR, labelsize=8)
        if ax.get_subplotspec().is_last_col() or ax is axes.flat[len(logs) - 1]:
            f1.set_ylabel("val macro-F1", color=_F1_COLOR)
        epoch_axis(ax, log)
    for ax in axes.flat[len(logs):]:
        ax.set_visible(False)
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncols=4, frameon=False)
    fig.get_layout_engine().set(h_pad=0.08)  # air between the suptitle and the panel titles
    fig.suptitle("Learning curves of the neural classifiers, one line per seed "
                 "(loss per review; val macro-F1 on the right axis)")
    save(fig, path)


def _seed_curves(ax, f1, log: pd.DataFrame, alpha: float) -> list:
    """One seed's three curves and its best-epoch marker; the same labels for every seed (one legend entry)."""
    lines = [ax.plot(log["epoch"], log["train_loss"], "o-", ms=3, color=_TRAIN_COLOR, alpha=alpha,
                     label="train loss")[0],
             ax.plot(log["epoch"], log["val_loss"], "s-", ms=3, color=_VAL_COLOR, alpha=alpha, label="val loss")[0],
             f1.plot(log["epoch"], log["val_macro_f1"], "^--", ms=3, color=_F1_COLOR, alpha=alpha,
                     label="val macro-F1")[0]]
    if log["val_macro_f1"].notna().any():
        best = log.loc[log["val_macro_f1"].idxmax(), "epoch"]
        lines.append(ax.axvline(best, color="#999999", ls=":", lw=1, label="best val macro-F1 epoch"))
    return lines


def _seed_count_text(cells: pd.DataFrame) -> str:
    lo, hi = int(cells["seeds"].min()), int(cells["seeds"].max())
    if hi == 1:
        return "one seed per cell"
    return f"each cell the mean of {lo if lo == hi else f'{lo}-{hi}'} seeds"


def _cell_labels(grid: np.ndarray, spread: np.ndarray) -> list[list[str]]:
    """The mean, and under it the std over seeds where there is one."""
    return [["–" if np.isnan(v) else f"{v:.3f}" + ("" if np.isnan(s) else f"\n±{s:.3f}")
             for v, s in zip(row, srow)] for row, srow in zip(grid, spread)]


def draw_ablation(runs: pd.DataFrame, path: str | Path) -> None:
    """Per arch, heatmaps of batch size x learning rate: val macro-F1 and test macro-F1, each cell the mean
    over its seeds (ablation_cells).

    One colour scale for every panel; the setting with the best *mean* val macro-F1 is outlined.
    """
    if runs.empty:
        return plot_note(path, "no ablation configured")
    cells = ablation_cells(runs)
    archs = list(dict.fromkeys(cells["arch"]))
    values = cells[["val_macro_f1", "test_macro_f1"]].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    n_bs = max(cells.groupby("arch")["batch_size"].nunique())
    n_lr = max(cells.groupby("arch")["lr"].nunique())
    fig, axes = plt.subplots(len(archs), 2, figsize=(2 * max(3.2, 0.95 * n_lr + 1.4) + 1.2,
                                                     len(archs) * max(2.2, 0.65 * n_bs + 1.0) + 0.9),
                             squeeze=False, layout="constrained")
    im = None
    best_of = {row["arch"]: row for _, row in best_settings(cells).iterrows()}
    for i, arch in enumerate(archs):
        part = cells[cells["arch"] == arch]
        best = best_of.get(arch)
        for j, (col, title) in enumerate((("val_macro_f1", "best val macro-F1"),
                                          ("test_macro_f1", "test macro-F1"))):
            ax = axes[i, j]
            table = part.pivot(index="batch_size", columns="lr", values=col).sort_index().sort_index(axis=1)
            spread = part.pivot(index="batch_size", columns="lr", values=f"{col}_std").reindex_like(table)
            grid = table.to_numpy(dtype=float)
            im = heatmap(ax, grid, _cell_labels(grid, spread.to_numpy(dtype=float)), "viridis",
                                    vmin, vmax, fontsize=9 if spread.isna().all().all() else 7.5)
            ax.set_xticks(range(len(table.columns)), [_fmt_lr(c) for c in table.columns])
            ax.set_yticks(range(len(table.index)), [f"{int(b)}" if float(b).is_integer() else f"{b:g}"
                                                    for b in table.index])
            if best is not None:
                y, x = table.index.get_loc(best["batch_size"]), table.columns.get_loc(best["lr"])
                ax.add_patch(plt.Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, ec="#d62728", lw=2))
            ax.set_xlabel("learning rate")
            ax.set_ylabel(f"{arch}\nbatch size" if j == 0 else "")
            ax.set_title(title if i == 0 else "", fontsize=10)
    if im is not None:
        bar = fig.colorbar(im, ax=axes, shrink=0.5 if len(archs) > 2 else 1.0, aspect=25, pad=0.02)
        bar.set_label("macro-F1")
        bar.locator = MaxNLocator(nbins=6)  # narrow ranges otherwise get two ticks
        bar.update_ticks()
    fig.suptitle(f"Batch size x learning rate ablation ({_seed_count_text(cells)}; red box: best mean "
                 "val macro-F1; test shown for reference only)", fontsize=10)
    save(fig, path)
