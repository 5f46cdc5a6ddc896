"""The comparison across both parts: recurrent (and convolutional) models against transformers.

Reads what the part reports wrote: each part's `metrics.csv` (one row per
model and seed) and its per-item test scores (`song_scores.csv` for Part A,
`predictions.csv` for Part B). It writes quality and cost tables, three
figures, and a summary whose every sentence is computed from those numbers.
Each family's representative, and Part B's reference baseline, is the model
with the best mean *validation* score; the test split only measures the
representatives, and every "A beats B" carries a paired 95% bootstrap
interval over the test items (seeds averaged), or says the test split cannot
tell them apart. Training times compare as ratios only between runs on the
same kind of device and number of processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nlpbench.classify.scoring import paired_difference
from nlpbench.core.errors import InputError
from nlpbench.core.markdown import markdown_table
from nlpbench.core.plots import plt, save
from nlpbench.core.stats import fmt_mean_std, holds_zero, paired_bpc_difference, seed_stats
from nlpbench.report.common import fmt_count, fmt_seconds, read_csv

PARTA_RULE, PARTB_RULE = "report_partA", "report_partB"
FAMILY_COLORS = {"recurrent": "#4c72b0", "convolutional": "#55a868", "transformer": "#c44e52",
                 "baseline": "#8c8c8c"}
SMALL, LARGE = ("recurrent", "convolutional"), ("transformer",)


@dataclass(frozen=True)
class Task:
    """How one part is judged: its validation and test quality, which way is better, its throughput unit."""
    part: str
    title: str
    val: str
    test: str
    quality_label: str
    higher_is_better: bool
    train_rate: str
    infer_rate: str | None
    unit: str
    items: str

    def better(self, a: float, b: float) -> bool:
        return a > b if self.higher_is_better else a < b


TASKS = (
    Task("A", "Part A, text generation", "val_bpc", "test_bpc", "bits per character", False,
         "tokens_per_second", "generation_tokens_per_second", "tokens", "songs"),
    Task("B", "Part B, review classification", "best_val_macro_f1", "macro_f1", "macro-F1", True,
         "train_reviews_per_second", "inference_reviews_per_second", "reviews", "reviews"),
)
SEED_COLUMNS = ["val_quality", "quality", "test_ppl", "accuracy", "mae", "train_seconds", "train_rate",
                "infer_rate", "peak_memory_mb"]
SHARED_COLUMNS = ["family", "ppl_unit", "params_total", "params_trainable", "peak_memory_kind", "device",
                  "device_name", "world_size"]


@dataclass
class Inputs:
    """Both parts' per-seed tables and per-item test scores."""
    runs: pd.DataFrame          # one row per part, model and seed (SEED_COLUMNS and SHARED_COLUMNS)
    songs: pd.DataFrame         # Part A: name, seed, split, song, nll_nats, chars
    predictions: pd.DataFrame   # Part B: name, seed, source_row, label, prediction


def load(parta_csv, parta_songs, partb_csv, partb_predictions) -> Inputs:
    """Both parts' outputs, with the columns this report needs (InputError naming the rule if absent)."""
    a = read_csv(parta_csv, PARTA_RULE, ["name", "seed", "family", "val_bpc", "test_bpc", "test_ppl",
                                         "ppl_unit", "params_total", "train_seconds", "device", "world_size"])
    b = read_csv(partb_csv, PARTB_RULE, ["name", "seed", "family", "best_val_macro_f1", "accuracy", "macro_f1",
                                         "mae", "params_total", "train_seconds", "device", "world_size"])
    songs = read_csv(parta_songs, PARTA_RULE, ["name", "seed", "split", "song", "nll_nats", "chars"])
    preds = read_csv(partb_predictions, PARTB_RULE, ["name", "seed", "source_row", "label", "prediction"])
    return Inputs(runs=pd.concat([_runs(a, TASKS[0]), _runs(b, TASKS[1])], ignore_index=True), songs=songs,
                  predictions=preds)


def _runs(frame: pd.DataFrame, task: Task) -> pd.DataFrame:
    """One part's per-seed rows in the comparison's shared columns."""
    out = pd.DataFrame({
        "part": task.part, "name": frame["name"], "seed": frame["seed"], "family": frame["family"],
        "val_quality": frame[task.val], "quality": frame[task.test],
        **{col: frame.get(col) for col in ("test_ppl", "ppl_unit", "accuracy", "mae", "params_total",
                                           "params_trainable", "train_seconds", "peak_memory_mb",
                                           "peak_memory_kind", "device", "device_name", "world_size")},
        "train_rate": frame.get(task.train_rate), "rate_unit": task.unit,
        "infer_rate": frame.get(task.infer_rate) if task.infer_rate else None,
    })
    for col in ("seed", "val_quality", "quality", "test_ppl", "accuracy", "mae", "params_total",
                "params_trainable", "train_seconds", "train_rate", "infer_rate", "peak_memory_mb", "world_size"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def models(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per part and model: `seeds`, mean and `_std` over seeds, and what every seed shares.

    Within each part, models come in validation order (best first).
    """
    parts = []
    for task in TASKS:
        mine = runs[runs["part"] == task.part]
        if mine.empty:
            continue
        stats = seed_stats(mine, "name", SEED_COLUMNS)
        shared = mine.groupby("name", sort=False)[SHARED_COLUMNS].first().reset_index()
        frame = stats.merge(shared, on="name").assign(part=task.part, rate_unit=task.unit)
        parts.append(frame.sort_values("val_quality", ascending=not task.higher_is_better, kind="stable",
                                       na_position="last"))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def representative(table: pd.DataFrame, task: Task, families) -> pd.Series | None:
    """The model of `families` with the best mean validation quality, never chosen on test."""
    part = table[(table["part"] == task.part) & table["family"].isin(families) & table["val_quality"].notna()]
    if part.empty:
        return None
    return part.loc[part["val_quality"].idxmax() if task.higher_is_better else part["val_quality"].idxmin()]


def test_difference(inputs: Inputs, task: Task, a: str, b: str) -> dict:
    """Test quality of `a` minus `b`, seeds averaged, with a paired 95% bootstrap interval over test items."""
    if task.part == "A":
        test = inputs.songs[inputs.songs["split"] == "test"]
        nll = {n: g.pivot(index="seed", columns="song", values="nll_nats").to_numpy()
               for n, g in test[test["name"].isin([a, b])].groupby("name")}
        chars = test[test["name"] == a].groupby("song")["chars"].first().to_numpy()
        _check_items(nll, a, b, "songs", PARTA_RULE)
        d = paired_bpc_difference(nll[a], nll[b], chars)
        return {"difference": d["difference"], "ci95": d["ci95"], "items": d["items"]}
    preds = inputs.predictions
    wide = {n: g.pivot(index="seed" if g["seed"].notna().any() else "name", columns="source_row",
                       values="prediction")
            for n, g in preds[preds["name"].isin([a, b])].groupby("name")}
    _check_items(wide, a, b, "reviews", PARTB_RULE)
    labels = preds[preds["name"] == a].groupby("source_row")["label"].first()
    if not (wide[a].columns.equals(wide[b].columns) and labels.index.equals(wide[a].columns)):
        raise InputError(f"predictions of '{a}' and '{b}'", "cover different test reviews",
                         f"rerun rule {PARTB_RULE} after both models ran on the same split.")
    k = int(max(preds["label"].max(), preds["prediction"].max())) + 1
    d = paired_difference(labels.to_numpy(), wide[a].to_numpy(), wide[b].to_numpy(), k)
    return {"difference": d["macro_f1"], "ci95": d["ci95"], "items": len(labels)}


def _check_items(scores: dict, a: str, b: str, items: str, rule: str) -> None:
    for name in (a, b):
        if name not in scores:
            raise InputError(f"the {items} scores of rule {rule}", f"have nothing for model '{name}'",
                             f"rerun rule {rule} with the current code.")


# ---------------------------------------------------------------- sentences

def _verdict(task: Task, a: pd.Series, b: pd.Series, diff: dict) -> str:
    """'`a` beats `b` by X [lo, hi] ...' or the test split cannot tell them apart, from a minus b."""
    d, (lo, hi) = diff["difference"], diff["ci95"]
    how = (f"(paired bootstrap over {diff['items']:,} test {task.items}, each model's seeds averaged)")
    if holds_zero((lo, hi)):
        return (f"on test, `{a['name']}` minus `{b['name']}` is {d:+.3f} [{lo:+.3f}, {hi:+.3f}] {task.quality_label} "
                f"{how}: the test split cannot tell them apart.")
    gain = d if task.higher_is_better else -d
    low, high = sorted((lo, hi) if task.higher_is_better else (-hi, -lo))
    win, lose = (a, b) if gain > 0 else (b, a)
    low, high = (low, high) if gain > 0 else (-high, -low)
    return (f"on test, `{win['name']}` beats `{lose['name']}` by {abs(gain):.3f} {task.quality_label} "
            f"[{low:.3f}, {high:.3f}] {how}.")


def _picked(row: pd.Series, task: Task) -> str:
    seeds = int(row["seeds"])
    return (f"`{row['name']}` (val {task.quality_label} {fmt_mean_std(row['val_quality'], row['val_quality_std'])}, "
            f"{seeds} seed{'s' if seeds > 1 else ''})")


def device_label(row: pd.Series) -> str:
    """'2 x cuda (NVIDIA H100)', the device a time was measured on."""
    kind = str(row["device"]).split(":")[0] if isinstance(row["device"], str) else "an unknown device"
    world = int(row["world_size"]) if pd.notna(row["world_size"]) else 1
    name = f" ({row['device_name']})" if isinstance(row.get("device_name"), str) and row["device_name"] else ""
    return f"{world} x {kind}{name}"


def same_hardware(a: pd.Series, b: pd.Series) -> bool:
    """Whether two training times compare as a ratio: same device kind and model, same number of processes."""
    return device_label(a) == device_label(b)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:,.1f}x" if np.isfinite(a) and np.isfinite(b) and b > 0 else "an unmeasured multiple of"


def cost_sentence(big: pd.Series, small: pd.Series) -> str:
    """Training time as a ratio where the hardware matches, else as device-seconds with the devices named."""
    params = (f"{_ratio(big['params_trainable'], small['params_trainable'])} the trainable parameters "
              f"({fmt_count(big['params_trainable'])} of {fmt_count(big['params_total'])} against "
              f"{fmt_count(small['params_trainable'])})")
    if same_hardware(big, small):
        return (f"`{big['name']}` took {_ratio(big['train_seconds'], small['train_seconds'])} the training time "
                f"of `{small['name']}` ({fmt_seconds(big['train_seconds'])} against "
                f"{fmt_seconds(small['train_seconds'])}, both on {device_label(big)}) with {params}.")
    return (f"Their training times were measured on different hardware, so no ratio is given: `{big['name']}` "
            f"{fmt_seconds(big['train_seconds'])} on {device_label(big)} ({_device_seconds(big)} device-seconds), "
            f"`{small['name']}` {fmt_seconds(small['train_seconds'])} on {device_label(small)} "
            f"({_device_seconds(small)} device-seconds). `{big['name']}` has {params}.")


def _device_seconds(row: pd.Series) -> str:
    world = row["world_size"] if pd.notna(row["world_size"]) else 1
    return fmt_count(row["train_seconds"] * world)


def summary_lines(inputs: Inputs, table: pd.DataFrame) -> list[str]:
    """Each task: the representatives chosen on validation, their paired test difference, and its cost."""
    lines = []
    for task in TASKS:
        small, big = representative(table, task, SMALL), representative(table, task, LARGE)
        if small is None or big is None:
            missing = "transformer" if big is None else "recurrent or convolutional model"
            lines.append(f"- **{task.title}**: no comparison: no {missing} in the table has a validation "
                         f"{task.quality_label}.")
            continue
        diff = test_difference(inputs, task, big["name"], small["name"])
        lines.append(f"- **{task.title}**: chosen on validation, {_picked(small, task)} represents the "
                     f"{'/'.join(SMALL) if task.part == 'B' else 'recurrent'} models and {_picked(big, task)} "
                     f"the transformers; {_verdict(task, big, small, diff)} {cost_sentence(big, small)}")
        ref = representative(table, task, ("baseline",))
        if ref is not None:
            against = [f"{_verdict(task, row, ref, test_difference(inputs, task, row['name'], ref['name']))}"
                       for row in (small, big)]
            lines.append(f"  Against the baseline validation prefers, {_picked(ref, task)}: "
                         + " And ".join(against))
    return lines


# ---------------------------------------------------------------- tables

TEXT_COLUMNS = {"Part", "Model", "Family", "Memory measured as", "Device"}

def quality_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per model: validation and test quality (mean ± std over seeds), in each part's validation order."""
    rows = []
    for r in table.itertuples():
        task = next(t for t in TASKS if t.part == r.part)
        rows.append({"Part": r.part, "Model": r.name, "Family": r.family, "Seeds": int(r.seeds),
                     "Val quality": f"{fmt_mean_std(r.val_quality, r.val_quality_std)} ({task.quality_label})",
                     "Test quality": fmt_mean_std(r.quality, r.quality_std),
                     "Test PPL": (f"{r.test_ppl:.2f} /{r.ppl_unit}" if pd.notna(r.test_ppl) else "-"),
                     "Accuracy": fmt_mean_std(r.accuracy, r.accuracy_std),
                     "MAE (1-5)": fmt_mean_std(r.mae, r.mae_std)})
    return pd.DataFrame(rows)


def cost_table(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Part": table["part"], "Model": table["name"], "Family": table["family"],
        "Params (total)": [fmt_count(v) for v in table["params_total"]],
        "Params (trainable)": [fmt_count(v) for v in table["params_trainable"]],
        "Train time": [fmt_seconds(v) for v in table["train_seconds"]],
        "Device-seconds": [_device_seconds(r) for _, r in table.iterrows()],
        "Train throughput": [f"{fmt_count(v)} {u}/s" if np.isfinite(v) else "-"
                             for v, u in zip(table["train_rate"], table["rate_unit"])],
        "Inference throughput": [f"{fmt_count(v)} {u}/s" if np.isfinite(v) else "not measured"
                                 for v, u in zip(table["infer_rate"], table["rate_unit"])],
        "Peak memory (MB)": [f"{v:,.0f}" if np.isfinite(v) else "-" for v in table["peak_memory_mb"]],
        "Memory measured as": table["peak_memory_kind"].fillna("-"),
        "Device": [device_label(r) for _, r in table.iterrows()],
    })


def markdown(summary: list[str], table: pd.DataFrame) -> str:
    seeds = sorted({int(n) for n in table["seeds"]}) if len(table) else []
    return "\n".join([
        "# Recurrent against transformer models", "",
        "## Summary (computed from the tables below)", "", *summary, "",
        "Each family's representative and the reference baseline are the models with the best mean validation "
        "score; the test split only measures them. Intervals are 95% paired bootstrap intervals over the test "
        "items (both models scored on the same resampled songs or reviews, each model's seeds averaged); "
        "an interval that holds 0 means the test split cannot tell the two apart. Training times are compared "
        "as ratios only when both ran on the same device kind and number of processes; otherwise both are "
        "given, with device-seconds (seconds x devices).", "",
        "## Quality", "",
        f"Mean ± std over {'/'.join(map(str, seeds)) or 'no'} training seed(s) per model (one seed: no ± shown), "
        "models in validation order within each part. Part A: open-vocabulary bits per character over the "
        "same raw text for every model (lower is better); perplexity is in each model's own unit and does not "
        "compare across units. Part B: macro-F1 (higher is better), accuracy and mean absolute error on the "
        "1-5 scale.", "",
        markdown_table(quality_table(table), left=TEXT_COLUMNS), "",
        "## Cost", "",
        "Means over seeds. Training time and throughput as each training job measured them, on the device "
        "named; device-seconds multiply by the processes; peak memory is CUDA max-allocated on GPU and the "
        "process's peak resident set on CPU.", "",
        markdown_table(cost_table(table), left=TEXT_COLUMNS), "",
    ])


# ---------------------------------------------------------------- figures

def pareto_front(cost: np.ndarray, quality: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Mask of the points no other point beats on both cost (lower) and quality."""
    q = quality if higher_is_better else -quality
    keep = np.ones(len(cost), dtype=bool)
    for i in range(len(cost)):
        others = np.arange(len(cost)) != i
        dominated = (cost[others] <= cost[i]) & (q[others] >= q[i]) & ((cost[others] < cost[i]) | (q[others] > q[i]))
        keep[i] = not dominated.any()
    return keep & np.isfinite(cost) & np.isfinite(quality)


def _scatter(ax, df: pd.DataFrame, x: str, y: str, task: Task, xlabel: str, ylabel: str, front: bool) -> None:
    df = df[df[x].notna() & df[y].notna() & (df[x] > 0)]
    for family, part in df.groupby("family"):
        ax.errorbar(part[x], part[y], yerr=part[f"{y}_std"].fillna(0), fmt="o", ms=6, capsize=3, zorder=3,
                    color=FAMILY_COLORS.get(family, "#333333"), label=family)
        for _, r in part.iterrows():
            ax.annotate(r["name"], (r[x], r[y]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    if front and len(df):
        mask = pareto_front(df[x].to_numpy(float), df[y].to_numpy(float), task.higher_is_better)
        pts = df[mask].sort_values(x)
        ax.step(pts[x], pts[y], where="post", color="black", linestyle="--", linewidth=1,
                label="Pareto front (validation)", zorder=2)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"{ylabel} {task.quality_label}" + (" (higher is better)" if task.higher_is_better
                                                       else " (lower is better)"))
    ax.set_title(task.title)
    ax.grid(alpha=0.3)
    if len(df):
        ax.legend(fontsize=7, frameon=False)


def draw_quality_vs(table: pd.DataFrame, x: str, y: str, xlabel: str, ylabel: str, path: str | Path,
                    front: bool) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, task in zip(axes, TASKS):
        _scatter(ax, table[table["part"] == task.part], x, y, task, xlabel, ylabel, front)
    save(fig, path)


def draw_throughput(table: pd.DataFrame, path: str | Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, task in zip(axes, TASKS):
        df = table[table["part"] == task.part].sort_values("name")
        y = np.arange(len(df))
        ax.barh(y - 0.2, df["train_rate"].fillna(0), height=0.4, color="#4c72b0", label="training")
        ax.barh(y + 0.2, df["infer_rate"].fillna(0), height=0.4, color="#dd8452", label="inference")
        ax.set_yticks(y, df["name"])
        ax.set_xscale("symlog")
        ax.set_xlabel(f"{task.unit} per second (log scale; 0 = not measured)")
        ax.set_title(task.title)
        ax.legend(fontsize=7, frameon=False)
    save(fig, path)


def write_report(parta_csv, parta_songs, partb_csv, partb_predictions, outdir: str | Path) -> list[str]:
    """Every output of report_compare, in `outdir`; returns the summary lines."""
    from nlpbench.core.io import atomic_path, write_text
    inputs = load(parta_csv, parta_songs, partb_csv, partb_predictions)
    table = models(inputs.runs)
    summary = summary_lines(inputs, table)  # every difference computed (and checked) before anything is written
    outdir = Path(outdir)
    with atomic_path(outdir / "comparison.csv") as tmp:
        inputs.runs.to_csv(tmp, index=False)
    write_text(outdir / "comparison.md", markdown(summary, table))
    draw_quality_vs(table, "train_seconds", "val_quality", "training time (s, log scale)", "validation",
                    outdir / "quality_vs_cost.png", True)
    draw_quality_vs(table, "params_trainable", "quality", "trainable parameters (log scale)", "test",
                    outdir / "params_vs_quality.png", False)
    draw_throughput(table, outdir / "throughput.png")
    return summary
