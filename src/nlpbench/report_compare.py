"""The comparison across both parts: recurrent (and convolutional) models against transformers.

Reads the two consolidated tables the part reports wrote
(`partA/analysis/metrics.csv`, `partB/analysis/metrics.csv`) and writes
quality and cost tables, three figures, and a summary whose every sentence
is computed from those numbers: which family wins each task, by how much,
and at what cost. Nothing in it is typed in by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .plots import plt, save
from .report_parta import fmt_count, fmt_float, fmt_seconds, read_csv

PARTA_RULE, PARTB_RULE = "report_partA", "report_partB"
FAMILY_COLORS = {"recurrent": "#4c72b0", "convolutional": "#55a868", "transformer": "#c44e52",
                 "baseline": "#8c8c8c"}


@dataclass(frozen=True)
class Task:
    """How one part is judged: its quality column, which way is better, its throughput unit."""
    part: str
    title: str
    quality: str
    quality_label: str
    higher_is_better: bool
    train_rate: str
    infer_rate: str | None
    unit: str


TASKS = (
    Task("A", "Part A, text generation", "test_bpc", "test bits per character", False,
         "tokens_per_second", "generation_tokens_per_second", "tokens"),
    Task("B", "Part B, review classification", "macro_f1", "test macro-F1", True,
         "train_reviews_per_second", "inference_reviews_per_second", "reviews"),
)
COST_COLUMNS = ["params_total", "params_trainable", "train_seconds", "train_rate", "infer_rate",
                "peak_memory_mb", "peak_memory_kind", "device"]


def load(parta_csv: str | Path, partb_csv: str | Path) -> dict[str, pd.DataFrame]:
    """Both parts' tables, with the columns this report needs (InputError naming the rule if absent)."""
    a = read_csv(parta_csv, PARTA_RULE, ["name", "family", "test_bpc", "test_ppl", "ppl_unit",
                                         "params_total", "train_seconds"])
    b = read_csv(partb_csv, PARTB_RULE, ["name", "family", "accuracy", "macro_f1", "mae",
                                         "params_total", "train_seconds"])
    return {"A": a, "B": b}


def long_table(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per model of either part: its quality figures and its cost, in shared columns."""
    rows = []
    for task in TASKS:
        df = frames[task.part]
        for _, r in df.iterrows():
            rows.append({
                "part": task.part, "name": r["name"], "family": r["family"],
                "quality_metric": task.quality, "quality": r.get(task.quality),
                "test_bpc": r.get("test_bpc"), "test_ppl": r.get("test_ppl"), "ppl_unit": r.get("ppl_unit"),
                "accuracy": r.get("accuracy"), "macro_f1": r.get("macro_f1"), "mae": r.get("mae"),
                "params_total": r.get("params_total"), "params_trainable": r.get("params_trainable"),
                "train_seconds": r.get("train_seconds"), "train_rate": r.get(task.train_rate),
                "infer_rate": r.get(task.infer_rate) if task.infer_rate else None, "rate_unit": task.unit,
                "peak_memory_mb": r.get("peak_memory_mb"), "peak_memory_kind": r.get("peak_memory_kind"),
                "device": r.get("device"),
            })
    out = pd.DataFrame(rows)
    for col in ("quality", "test_bpc", "test_ppl", "accuracy", "macro_f1", "mae", "params_total",
                "params_trainable", "train_seconds", "train_rate", "infer_rate", "peak_memory_mb"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def pareto_front(cost: np.ndarray, quality: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Mask of the points no other point beats on both cost (lower) and quality."""
    q = quality if higher_is_better else -quality
    keep = np.ones(len(cost), dtype=bool)
    for i in range(len(cost)):
        others = np.arange(len(cost)) != i
        dominated = (cost[others] <= cost[i]) & (q[others] >= q[i]) & ((cost[others] < cost[i]) | (q[others] > q[i]))
        keep[i] = not dominated.any()
    return keep & np.isfinite(cost) & np.isfinite(quality)


def _best(df: pd.DataFrame, task: Task, families) -> pd.Series | None:
    part = df[df["family"].isin(families) & df["quality"].notna()]
    if part.empty:
        return None
    return part.loc[part["quality"].idxmax() if task.higher_is_better else part["quality"].idxmin()]


def _ratio(a: float, b: float) -> str:
    if not (np.isfinite(a) and np.isfinite(b)) or b <= 0:
        return "an unmeasured multiple of"
    return f"{a / b:,.1f}x"


def summary_lines(table: pd.DataFrame) -> list[str]:
    """Which family wins each task, by how much, at what cost: sentences made from the numbers."""
    lines = []
    for task in TASKS:
        df = table[table["part"] == task.part]
        small = _best(df, task, ["recurrent", "convolutional"])
        big = _best(df, task, ["transformer"])
        if small is None or big is None:
            missing = "transformer" if big is None else "recurrent or convolutional model"
            lines.append(f"- **{task.title}**: no comparison: no {missing} in the table has a {task.quality_label}.")
            continue
        diff = big["quality"] - small["quality"]
        transformer_wins = diff > 0 if task.higher_is_better else diff < 0
        win, lose = (big, small) if transformer_wins else (small, big)
        lines.append(
            f"- **{task.title}**: the best {win['family']} model, `{win['name']}` ({task.quality_label} "
            f"{win['quality']:.3f}), beats the best {lose['family']} model, `{lose['name']}` "
            f"({lose['quality']:.3f}), by {abs(diff):.3f}. The transformer took "
            f"{_ratio(big['train_seconds'], small['train_seconds'])} the training time "
            f"({fmt_seconds(big['train_seconds'])} against {fmt_seconds(small['train_seconds'])}) with "
            f"{_ratio(big['params_trainable'], small['params_trainable'])} the trainable parameters "
            f"({fmt_count(big['params_trainable'])} of {fmt_count(big['params_total'])} against "
            f"{fmt_count(small['params_trainable'])}); measured on {big['device']} and {small['device']}.")
        baselines = df[df["family"] == "baseline"]
        if task.part == "B" and not baselines.empty:
            ref = baselines.loc[baselines["quality"].idxmax()]
            lines.append(f"  The strongest baseline, `{ref['name']}`, reaches {ref['quality']:.3f}: the best "
                         f"neural model is {win['quality'] - ref['quality']:+.3f} from it.")
    return lines


def quality_table(table: pd.DataFrame) -> pd.DataFrame:
    cols = {"part": "Part", "name": "Model", "family": "Family", "test_bpc": "Test bits/char",
            "test_ppl": "Test PPL", "ppl_unit": "PPL unit", "accuracy": "Accuracy", "macro_f1": "Macro-F1",
            "mae": "MAE (1-5)"}
    return table[list(cols)].rename(columns=cols)


def cost_table(table: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "Part": table["part"], "Model": table["name"], "Family": table["family"],
        "Params (total)": [fmt_count(v) for v in table["params_total"]],
        "Params (trainable)": [fmt_count(v) for v in table["params_trainable"]],
        "Train time": [fmt_seconds(v) for v in table["train_seconds"]],
        "Train throughput": [f"{fmt_count(v)} {u}/s" if np.isfinite(v) else "-"
                             for v, u in zip(table["train_rate"], table["rate_unit"])],
        "Inference throughput": [f"{fmt_count(v)} {u}/s" if np.isfinite(v) else "not measured"
                                 for v, u in zip(table["infer_rate"], table["rate_unit"])],
        "Peak memory (MB)": [fmt_float(v, 0) if np.isfinite(v) else "-" for v in table["peak_memory_mb"]],
        "Memory measured as": table["peak_memory_kind"].fillna("-"),
        "Device": table["device"].fillna("-"),
    })
    return out


def _md(frame: pd.DataFrame) -> str:
    def cell(v):
        if isinstance(v, float):
            return "-" if not np.isfinite(v) else f"{v:.3f}"
        return str(v)
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def markdown(table: pd.DataFrame) -> str:
    return "\n".join([
        "# Recurrent against transformer models", "",
        "## Summary (computed from the tables below)", "", *summary_lines(table), "",
        "## Quality", "",
        "Part A: bits per character over the same raw test text for every model (lower is better); "
        "perplexity is in each model's own unit and does not compare across units. "
        "Part B: test split, selected on val only.", "",
        _md(quality_table(table)), "",
        "## Cost", "",
        "Training time and throughput as each training job measured them, on the device named; peak memory "
        "is CUDA max-allocated on GPU and the process's peak resident set on CPU.", "",
        _md(cost_table(table)), "",
    ])


def _scatter(ax, df: pd.DataFrame, x: str, task: Task, xlabel: str, front: bool) -> None:
    df = df[df[x].notna() & df["quality"].notna() & (df[x] > 0)]
    for family, part in df.groupby("family"):
        ax.scatter(part[x], part["quality"], s=40, color=FAMILY_COLORS.get(family, "#333333"), label=family,
                   zorder=3)
        for _, r in part.iterrows():
            ax.annotate(r["name"], (r[x], r["quality"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    if front and len(df):
        mask = pareto_front(df[x].to_numpy(float), df["quality"].to_numpy(float), task.higher_is_better)
        pts = df[mask].sort_values(x)
        ax.step(pts[x], pts["quality"], where="post", color="black", linestyle="--", linewidth=1,
                label="Pareto front", zorder=2)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(task.quality_label + (" (higher is better)" if task.higher_is_better else " (lower is better)"))
    ax.set_title(task.title)
    ax.grid(alpha=0.3)
    if len(df):
        ax.legend(fontsize=7, frameon=False)


def draw_quality_vs(table: pd.DataFrame, x: str, xlabel: str, path: str | Path, front: bool) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, task in zip(axes, TASKS):
        _scatter(ax, table[table["part"] == task.part], x, task, xlabel, front)
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


def write_report(parta_csv, partb_csv, outdir: str | Path) -> pd.DataFrame:
    """Every output of report_compare, in `outdir`; returns the long table."""
    from .io import atomic_path, write_text
    table = long_table(load(parta_csv, partb_csv))
    outdir = Path(outdir)
    with atomic_path(outdir / "comparison.csv") as tmp:
        table.to_csv(tmp, index=False)
    write_text(outdir / "comparison.md", markdown(table))
    draw_quality_vs(table, "train_seconds", "training time (s, log scale)", outdir / "quality_vs_cost.png", True)
    draw_quality_vs(table, "params_trainable", "trainable parameters (log scale)", outdir / "params_vs_quality.png",
                    False)
    draw_throughput(table, outdir / "throughput.png")
    return table
