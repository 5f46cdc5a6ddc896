"""Part B report: the review-classifier metrics table and its figures.

Reads what training, the baselines and the ablations wrote (per model or
baseline directory `summary.json`, `metrics_test.json`, `confusion_matrix.csv`,
and for neural models `trainlog.csv`; per ablation run `summary.json` and
`metrics_test.json`) and turns it into `metrics.csv`, `metrics.md` and three
PNGs. As in Part A (whose readers, formatters and `plot_note` this reuses),
loaders validate everything and raise `InputError` naming the file and the
rule that writes it, so a report rule fails before it writes anything; the
`draw_*` functions only draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from .classify_eval import PREDICTION_COLUMNS, paired_difference
from .errors import InputError
from .plots import plt, save
from .report_parta import (_device_cell, _empty_panel, _grid, _md_cell, _memory_cell, _missing,
                           _params_cell, _require, epoch_axis, fmt_count, fmt_float, fmt_seconds, plot_note,
                           read_csv, read_json)

# Which Snakemake rule writes each input, for error messages.
MODEL_RULE = "train_classifier"
BASELINE_RULE = "baseline_reviews"
ABLATION_RULE = "train_classifier_ablation"

METRIC_COLUMNS = ["name", "arch", "family", "accuracy", "macro_f1", "macro_f1_ci_low", "macro_f1_ci_high",
                  "weighted_f1", "mae", "off_by_one", "n_test", "params_total", "params_trainable", "best_epoch", "best_val_macro_f1",
                  "best_val_accuracy", "train_seconds", "train_reviews_per_second",
                  "inference_reviews_per_second", "peak_memory_mb", "peak_memory_kind", "device",
                  "world_size", "test_device", "reference", "delta_macro_f1", "delta_ci_low", "delta_ci_high"]
_NUMERIC = ["accuracy", "macro_f1", "macro_f1_ci_low", "macro_f1_ci_high", "delta_macro_f1", "delta_ci_low",
            "delta_ci_high", "weighted_f1", "mae", "off_by_one", "n_test", "params_total",
            "params_trainable", "best_epoch", "best_val_macro_f1", "best_val_accuracy", "train_seconds",
            "train_reviews_per_second", "inference_reviews_per_second", "peak_memory_mb", "world_size"]
SUMMARY_REQUIRED = ["name"]
METRICS_REQUIRED = ["accuracy", "macro_f1"]
TRAINLOG_REQUIRED = ["epoch", "train_loss", "val_loss", "val_macro_f1"]
ABLATION_COLUMNS = ["run", "arch", "batch_size", "lr", "val_macro_f1", "test_macro_f1"]
_TRAIN_COLOR, _VAL_COLOR, _F1_COLOR = "#4c72b0", "#dd8452", "#55a868"


# ---------------------------------------------------------------- reading

def model_row(run_dir: str | Path, rule: str = MODEL_RULE) -> dict:
    """One table row from a model's or baseline's summary.json and metrics_test.json."""
    run_dir = Path(run_dir)
    summary = read_json(run_dir / "summary.json", rule)
    test = read_json(run_dir / "metrics_test.json", rule)
    _require(summary, SUMMARY_REQUIRED, run_dir / "summary.json", rule)
    _require(test, METRICS_REQUIRED, run_dir / "metrics_test.json", rule)
    return {
        **{k: summary.get(k) for k in ("name", "arch", "family", "params_total", "params_trainable",
                                       "best_epoch", "best_val_macro_f1", "best_val_accuracy",
                                       "train_seconds", "peak_memory_mb", "peak_memory_kind",
                                       "device", "world_size")},
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


def _f1_cell(row) -> str:
    cell = fmt_float(row.macro_f1)
    if pd.notna(row.macro_f1_ci_low) and pd.notna(row.macro_f1_ci_high):
        cell += f" [{row.macro_f1_ci_low:.3f}, {row.macro_f1_ci_high:.3f}]"
    return cell


def _delta_cell(row) -> str:
    if _missing(row.delta_macro_f1):
        return "–"
    if row.name == row.reference:
        return "reference"
    return f"{row.delta_macro_f1:+.3f} [{row.delta_ci_low:+.3f}, {row.delta_ci_high:+.3f}]"


def sort_by_macro_f1(frame: pd.DataFrame) -> pd.DataFrame:
    """Best test macro-F1 first; rows without one last."""
    return frame.sort_values("macro_f1", ascending=False, kind="stable",
                             na_position="last").reset_index(drop=True)


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    for col in _NUMERIC:  # JSON null -> NaN, so sorting and formatting need no special cases
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return sort_by_macro_f1(frame)


def load_metrics(model_dirs, baseline_dirs=()) -> pd.DataFrame:
    """One row per model and baseline directory (columns METRIC_COLUMNS), best test macro-F1 first."""
    return _frame([model_row(d, MODEL_RULE) for d in model_dirs]
                  + [model_row(d, BASELINE_RULE) for d in baseline_dirs])


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


@dataclass
class PartB:
    """Everything the report draws, checked: the table and, per row name in table order, the rest."""
    metrics: pd.DataFrame
    confusions: dict[str, pd.DataFrame] = field(default_factory=dict)
    trainlogs: dict[str, pd.DataFrame] = field(default_factory=dict)
    ablation: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ABLATION_COLUMNS))


def load_report(model_dirs, baseline_dirs=(), ablation_dirs=()) -> PartB:
    """Read and check every input: models (with trainlogs), baselines and ablation runs."""
    runs = [(Path(d), MODEL_RULE, True) for d in model_dirs] + \
           [(Path(d), BASELINE_RULE, False) for d in baseline_dirs]
    rows, confusions, logs, seen = [], {}, {}, {}
    for d, rule, neural in runs:
        row = model_row(d, rule)
        name = str(row["name"])
        if name in seen:  # one name, two directories: the table and figures could not tell them apart
            raise InputError(d / "summary.json", f"names model '{name}', as does {seen[name] / 'summary.json'}",
                             "pass each directory once; every summary.json must name a different model.")
        seen[name] = d
        cm = read_confusion(d / "confusion_matrix.csv", rule)
        n_test, total = pd.to_numeric(row["n_test"], errors="coerce"), int(cm.to_numpy().sum())
        if not _missing(n_test) and total != n_test:
            raise InputError(d / "confusion_matrix.csv",
                             f"holds {total} reviews but metrics_test.json says "
                             f"n = {row['n_test']}: the two come from different runs",
                             f"run rule {rule} again so it rewrites both.")
        rows.append(row)
        confusions[name] = cm
        if neural:
            logs[name] = read_trainlog(d / "trainlog.csv", rule)
    _compare_to_reference(rows, runs, max((len(cm) for cm in confusions.values()), default=0))
    metrics = _frame(rows)
    order = [str(n) for n in metrics["name"]]
    return PartB(metrics=metrics,
                 confusions={n: confusions[n] for n in order},
                 trainlogs={n: logs[n] for n in order if n in logs},
                 ablation=load_ablation(ablation_dirs))


def read_predictions(path: Path, rule: str) -> pd.DataFrame | None:
    """predictions.csv (one row per test review) indexed by source_row; None where a run predates it."""
    if not path.is_file():
        return None
    return read_csv(path, rule, list(PREDICTION_COLUMNS)).set_index("source_row").sort_index()


def _compare_to_reference(rows: list[dict], runs, k: int) -> None:
    """Each row's test macro-F1 minus the reference baseline's, with a paired bootstrap interval.

    The reference is the baseline with the best *validation* macro-F1 (so
    TF-IDF + LR, not the majority class), never chosen on test.
    """
    entries = [(row, d, rule, read_predictions(d / "predictions.csv", rule)) for row, (d, rule, _) in zip(rows, runs)]
    baselines = [e for e in entries if e[2] == BASELINE_RULE and e[3] is not None]
    if not baselines:
        return
    ref, ref_dir, ref_rule, ref_preds = max(
        baselines, key=lambda e: -1.0 if _missing(e[0]["best_val_macro_f1"]) else e[0]["best_val_macro_f1"])
    ref_name = str(ref["name"])
    for row, d, rule, mine in entries:
        if mine is None:
            continue
        if not mine.index.equals(ref_preds.index) or not mine["label"].equals(ref_preds["label"]):
            raise InputError(d / "predictions.csv", f"does not cover the same test reviews and labels as "
                             f"{ref_dir / 'predictions.csv'}: the runs used different splits",
                             f"rerun rules {rule} and {ref_rule} on the same split.")
        diff = paired_difference(mine["label"], mine["prediction"], ref_preds["prediction"], k)
        row.update(reference=ref_name, delta_macro_f1=diff["macro_f1"], delta_ci_low=diff["ci95"][0],
                   delta_ci_high=diff["ci95"][1])


def ablation_row(run_dir: str | Path) -> dict:
    """One ablation run: arch, batch size, lr, best val macro-F1 and test macro-F1."""
    run_dir = Path(run_dir)
    summary = read_json(run_dir / "summary.json", ABLATION_RULE)
    test = read_json(run_dir / "metrics_test.json", ABLATION_RULE)
    _require(summary, ["batch_size", "lr", "best_val_macro_f1"], run_dir / "summary.json", ABLATION_RULE)
    _require(test, ["macro_f1"], run_dir / "metrics_test.json", ABLATION_RULE)
    # ablations/{arch}/bs{B}_lr{LR}: the parent directory names the arch if the summary does not.
    return {"run": run_dir.name, "arch": summary.get("arch") or run_dir.parent.name,
            "batch_size": summary["batch_size"], "lr": summary["lr"],
            "val_macro_f1": summary["best_val_macro_f1"], "test_macro_f1": test["macro_f1"]}


def load_ablation(dirs) -> pd.DataFrame:
    """One row per ablation run (columns ABLATION_COLUMNS): archs in the order given, then batch size, lr."""
    dirs = [Path(d) for d in dirs]
    frame = pd.DataFrame([ablation_row(d) for d in dirs], columns=ABLATION_COLUMNS)
    for col in ("batch_size", "lr", "val_macro_f1", "test_macro_f1"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    bad = frame[frame[["batch_size", "lr"]].isna().any(axis=1)]
    if not bad.empty:
        d = dirs[bad.index[0]]
        raise InputError(d / "summary.json", "batch_size and lr must be numbers",
                         f"run rule {ABLATION_RULE} again with the current code.")
    dup = frame.duplicated(["arch", "batch_size", "lr"], keep=False)
    if dup.any():
        twins = [str(dirs[i]) for i in frame.index[dup]]
        raise InputError(twins[0], f"same arch, batch size and lr as {', '.join(twins[1:])}",
                         "pass each ablation run once; check the summaries' batch_size and lr.")
    # Archs in the order given (the config's), each grid by batch size then lr.
    frame["_arch_order"] = frame["arch"].map({a: i for i, a in enumerate(dict.fromkeys(frame["arch"]))})
    return (frame.sort_values(["_arch_order", "batch_size", "lr"]).drop(columns="_arch_order")
            .reset_index(drop=True))


# ---------------------------------------------------------------- the table

def _device_cells(df: pd.DataFrame) -> list[str]:
    cells = []
    for row in df.itertuples():
        cell = _device_cell(row)
        if isinstance(row.test_device, str) and row.test_device and row.test_device != row.device:
            cell += f" (test: {row.test_device})"
        cells.append(cell)
    return cells


def table_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The display table, formatted as strings, in test-macro-F1 order."""
    df = sort_by_macro_f1(df)
    return pd.DataFrame({
        "Model": df["name"],
        "Family": [f if isinstance(f, str) and f else "–" for f in df["family"]],
        "Parameters": [_params_cell(r) for r in df.itertuples()],
        "Test macro-F1 [95% CI]": [_f1_cell(r) for r in df.itertuples()],
        "Δ macro-F1 vs baseline [paired 95% CI]": [_delta_cell(r) for r in df.itertuples()],
        "Test accuracy": [fmt_float(v) for v in df["accuracy"]],
        "Test weighted-F1": [fmt_float(v) for v in df["weighted_f1"]],
        "Test MAE": [fmt_float(v) for v in df["mae"]],
        "Best val macro-F1": [fmt_float(v) for v in df["best_val_macro_f1"]],
        "Train time": [fmt_seconds(v) for v in df["train_seconds"]],
        "Train reviews/s": [fmt_count(v) for v in df["train_reviews_per_second"]],
        "Inference reviews/s": [fmt_count(v) for v in df["inference_reviews_per_second"]],
        "Peak memory": [_memory_cell(r) for r in df.itertuples()],
        "Device": _device_cells(df),
    })


_LEFT = {"Model", "Family", "Device"}


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table: text columns left, numbers right."""
    lines = ["| " + " | ".join(table.columns) + " |",
             "|" + "|".join(":---" if c in _LEFT else "---:" for c in table.columns) + "|"]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def _reference(df: pd.DataFrame) -> str | None:
    refs = df["reference"].dropna() if "reference" in df else []
    return str(refs.iloc[0]) if len(refs) else None


def metrics_table(df: pd.DataFrame) -> str:
    """Markdown: one row per model and baseline sorted by test macro-F1, and a legend saying how to read it."""
    n = df["n_test"].dropna()
    n_text = f" ({int(n.iloc[0]):,} reviews)" if not n.empty and n.nunique() == 1 else ""
    legend = [
        "Sorted by test macro-F1 (higher is better). The test split" + n_text + " was used once, "
        "to fill this table after training; model selection (best epoch, early stopping, ablation "
        "choice) used validation macro-F1 only.",
        "The interval after each test macro-F1 is a 95% percentile bootstrap over the test reviews "
        "(the same resamples for every model): the noise of a test split this size, not of training.",
        *([f"Δ is each model's test macro-F1 minus {ref}'s (the baseline with the best validation "
           "macro-F1), with a paired bootstrap interval: both scored on the same resampled reviews. "
           "An interval that contains 0 means the test split cannot tell the two apart."]
          if (ref := _reference(df)) else []),
        "Macro-F1 weighs every class equally, weighted-F1 by its support. MAE is the mean absolute "
        "difference between predicted and true rating on the 1-5 scale (lower is better; – where "
        "not reported).",
        "Baselines (majority class, TF-IDF + logistic regression) train in one pass: no epochs and "
        "no learning curve.",
        "Training time, training reviews/s and peak memory were measured during training on the "
        "Device column's device (×N: N processes); inference reviews/s on the test split, on the "
        "device shown after \"test:\" where it differs. GPU peak memory is the CUDA allocator's "
        "maximum, CPU RSS the process's peak resident set; the two are not comparable.",
    ]
    return to_markdown(table_rows(df)) + "\n\n" + "\n".join(f"- {line}" for line in legend) + "\n"


# ---------------------------------------------------------------- figures

def _fmt_lr(lr: float) -> str:
    """0.001, 3e-4 style: short tick labels for learning rates."""
    return f"{lr:g}".replace("e-0", "e-")


def _f1_range(logs: dict[str, pd.DataFrame]) -> tuple[float, float]:
    """The val macro-F1 axis: every model's values, widened to tenths."""
    values = pd.concat([log["val_macro_f1"] for log in logs.values()]).dropna()
    if values.empty:
        return 0.0, 1.0
    lo, hi = math.floor(values.min() * 10) / 10, math.ceil(values.max() * 10) / 10
    return max(0.0, lo if hi > lo else lo - 0.1), min(1.0, hi if hi > lo else hi + 0.1)


def _annotated_heatmap(ax, values: np.ndarray, labels, cmap: str, vmin: float, vmax: float,
                       fontsize: float = 9):
    """imshow of `values` (NaN grey) with `labels[i][j]` in each cell, black or white by contrast."""
    cmap_obj = plt.get_cmap(cmap).with_extremes(bad="#e0e0e0")
    im = ax.imshow(np.ma.masked_invalid(values), cmap=cmap_obj, vmin=vmin, vmax=vmax, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if np.isnan(v):
            color = "#555555"
        else:
            shade = (v - vmin) / (vmax - vmin) if vmax > vmin else 0.5
            r, g, b, _ = cmap_obj(shade)
            color = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
        ax.text(j, i, labels[i][j], ha="center", va="center", fontsize=fontsize, color=color)
    return im


def draw_confusions(confusions: dict[str, pd.DataFrame], path: str | Path,
                    metrics: pd.DataFrame | None = None) -> None:
    """One panel per model: colour = share of the true class's reviews (rows sum to 1), text = counts.

    With `metrics` (load_metrics' frame), each panel's title adds its test macro-F1 and accuracy.
    """
    if not confusions:
        return plot_note(path, "no models to plot")
    scores = {} if metrics is None else {str(r.name): r for r in metrics.itertuples()}
    k = max(len(cm) for cm in confusions.values())
    cell = 0.42 if k <= 6 else 0.3
    side = max(2.6, cell * k + 0.9)
    nrows, ncols = _grid(len(confusions))
    fig, axes = plt.subplots(nrows, ncols, figsize=(side * ncols + 1.0, (side + 0.55) * nrows + 0.5),
                             squeeze=False, layout="constrained")
    im = None
    for ax, (name, cm) in zip(axes.flat, confusions.items()):
        counts = cm.to_numpy(dtype=float)
        totals = counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(totals > 0, counts / totals, np.nan)  # a class absent from test: grey row
        labels = [[f"{c:,.0f}" for c in row] for row in counts]
        im = _annotated_heatmap(ax, shares, labels, "Blues", 0.0, 1.0,
                                fontsize=8 if k <= 6 else 6 if k <= 12 else 0)
        ax.set_xticks(range(len(cm.columns)), cm.columns, fontsize=8)
        ax.set_yticks(range(len(cm.index)), cm.index, fontsize=8)
        ax.set_xlabel("predicted", fontsize=9)
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("true", fontsize=9)
        row = scores.get(name)
        sub = "" if row is None else f"\nmacro-F1 {fmt_float(row.macro_f1)} · acc {fmt_float(row.accuracy)}"
        ax.set_title(f"{name}{sub}", fontsize=10)
    for ax in axes.flat[len(confusions):]:
        ax.set_visible(False)
    bar = fig.colorbar(im, ax=axes, shrink=0.6 if nrows > 1 else 0.9, aspect=25, pad=0.02)
    bar.set_label("share of the true class (row)")
    fig.suptitle("Test-set confusion matrices (colour: row share; numbers: reviews)")
    save(fig, path)


def draw_learning_curves(logs: dict[str, pd.DataFrame], path: str | Path) -> None:
    """Per neural model: train and val loss (left axis) and val macro-F1 (right axis) per epoch.

    The dotted line marks the epoch with the best val macro-F1, the checkpoint that was tested.
    """
    if not logs:
        return plot_note(path, "no neural models to plot")
    nrows, ncols = _grid(len(logs))
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(6.0, 4.4 * ncols), 3.1 * nrows + 0.7),
                             squeeze=False, layout="constrained")
    f1_lo, f1_hi = _f1_range(logs)
    handles = {}
    for ax, (name, log) in zip(axes.flat, logs.items()):
        ax.set_title(name)
        if log[["train_loss", "val_loss", "val_macro_f1"]].isna().all().all():
            _empty_panel(ax, "nothing logged")
            continue
        lines = [ax.plot(log["epoch"], log["train_loss"], "o-", ms=3, color=_TRAIN_COLOR, label="train loss")[0],
                 ax.plot(log["epoch"], log["val_loss"], "s-", ms=3, color=_VAL_COLOR, label="val loss")[0]]
        f1 = ax.twinx()
        lines.append(f1.plot(log["epoch"], log["val_macro_f1"], "^--", ms=3, color=_F1_COLOR,
                             label="val macro-F1")[0])
        pad = 0.03 * (f1_hi - f1_lo)  # one range for every panel, so heights compare across models
        f1.set_ylim(f1_lo - pad, f1_hi + pad)
        f1.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
        f1.tick_params(axis="y", colors=_F1_COLOR, labelsize=8)
        if ax.get_subplotspec().is_last_col() or ax is axes.flat[len(logs) - 1]:
            f1.set_ylabel("val macro-F1", color=_F1_COLOR)
        if log["val_macro_f1"].notna().any():
            best = log.loc[log["val_macro_f1"].idxmax(), "epoch"]
            lines.append(ax.axvline(best, color="#999999", ls=":", lw=1, label="best val macro-F1 epoch"))
        for line in lines:
            handles.setdefault(line.get_label(), line)
        epoch_axis(ax, log)
    for ax in axes.flat[len(logs):]:
        ax.set_visible(False)
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncols=4, frameon=False)
    fig.get_layout_engine().set(h_pad=0.08)  # air between the suptitle and the panel titles
    fig.suptitle("Learning curves of the neural classifiers (loss per review; val macro-F1 on the right axis)")
    save(fig, path)


def draw_ablation(runs: pd.DataFrame, path: str | Path) -> None:
    """Per arch, heatmaps of batch size x learning rate: best val macro-F1 and test macro-F1.

    One colour scale for every panel; the configuration with the best val macro-F1 is outlined.
    """
    if runs.empty:
        return plot_note(path, "no ablation configured")
    archs = list(dict.fromkeys(runs["arch"]))
    values = runs[["val_macro_f1", "test_macro_f1"]].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    n_bs = max(runs.groupby("arch")["batch_size"].nunique())
    n_lr = max(runs.groupby("arch")["lr"].nunique())
    fig, axes = plt.subplots(len(archs), 2, figsize=(2 * max(3.2, 0.95 * n_lr + 1.4) + 1.2,
                                                     len(archs) * max(2.2, 0.55 * n_bs + 1.0) + 0.9),
                             squeeze=False, layout="constrained")
    im = None
    for i, arch in enumerate(archs):
        part = runs[runs["arch"] == arch]
        best = part.loc[part["val_macro_f1"].idxmax()] if part["val_macro_f1"].notna().any() else None
        for j, (col, title) in enumerate((("val_macro_f1", "best val macro-F1"),
                                          ("test_macro_f1", "test macro-F1"))):
            ax = axes[i, j]
            table = part.pivot(index="batch_size", columns="lr", values=col).sort_index().sort_index(axis=1)
            grid = table.to_numpy(dtype=float)
            labels = [["–" if np.isnan(v) else f"{v:.3f}" for v in row] for row in grid]
            im = _annotated_heatmap(ax, grid, labels, "viridis", vmin, vmax)
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
    fig.suptitle("Batch size x learning rate ablation (red box: chosen on val macro-F1; "
                 "test shown for reference only)", fontsize=10)
    save(fig, path)

