"""Part A report: the language-model metrics table and its figures.

Reads what training, evaluation and the ablations wrote (per model
`summary.json`, `trainlog.csv`, `eval.json`; per context-length run
`summary.json`, `trainlog.csv`; per model one decoding-grid CSV) and turns it
into `metrics.csv`, `metrics.md` and four PNGs. Loaders validate everything
and raise `InputError` naming the file and the rule that writes it, so a
report rule fails before it writes anything; the `draw_*` functions only draw.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .plots import plt, save

# Which Snakemake rule writes each input, for error messages.
TRAIN_RULE = "train_textgen"
EVAL_RULE = "eval_textgen"
CONTEXT_RULE = "train_context"
DECODING_RULE = "decoding_ablation"

MODEL_COLUMNS = ["name", "arch", "level", "family", "params_total", "params_trainable",
                 "val_ppl", "test_ppl", "ppl_unit", "val_bpc", "test_bpc", "test_bpc_oov_charged",
                 "oov_rate", "train_seconds", "tokens_per_second", "peak_memory_mb",
                 "peak_memory_kind", "device", "world_size", "best_epoch", "oov_counting",
                 "generation_tokens_per_second"]
_NUMERIC = ["params_total", "params_trainable", "val_ppl", "test_ppl", "val_bpc", "test_bpc",
            "test_bpc_oov_charged", "oov_rate", "train_seconds", "tokens_per_second",
            "peak_memory_mb", "world_size", "best_epoch", "generation_tokens_per_second"]
TRAINLOG_REQUIRED = ["epoch", "train_loss", "val_loss"]
DECODING_REQUIRED = ["temperature", "top_p", "top_k", "distinct_2", "repetition_4gram",
                     "copy_rate", "mean_nll"]
# (column, panel title, colormap): reversed maps so that "better" is always lighter.
DECODING_PANELS = [("distinct_2", "distinct-2 (higher = more varied)", "viridis"),
                   ("repetition_4gram", "repeated 4-grams (lower = better)", "magma_r"),
                   ("copy_rate", "copied from train (lower = better)", "magma_r"),
                   ("mean_nll", "mean NLL per token", "cividis_r")]
_MEMORY_KIND = {"cuda_max_allocated": "GPU", "cpu_peak_rss": "CPU RSS"}
_TRAIN_COLOR, _VAL_COLOR, _TEST_COLOR = "#4c72b0", "#dd8452", "#55a868"


# ---------------------------------------------------------------- reading

def read_json(path: str | Path, rule: str) -> dict:
    """A JSON object from `path`; missing or broken -> InputError naming `rule`."""
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "file not found", f"run rule {rule}, which writes it.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(path, f"not readable JSON: {err}",
                         f"delete it and run rule {rule} again.") from err
    if not isinstance(obj, dict):
        raise InputError(path, f"expected a JSON object, got {type(obj).__name__}",
                         f"delete it and run rule {rule} again.")
    return obj


def read_csv(path: str | Path, rule: str, required: list[str]) -> pd.DataFrame:
    """A CSV with at least the `required` columns; missing or broken -> InputError naming `rule`."""
    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise InputError(path, "file not found", f"run rule {rule}, which writes it.") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(path, f"not a readable CSV: {err}",
                         f"delete it and run rule {rule} again.") from err
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)} "
                         f"(has: {', '.join(map(str, frame.columns))})",
                         f"rule {rule} must write them; run it again with the current code.")
    return frame


def _require(obj: dict, keys: list[str], path: Path, rule: str) -> None:
    missing = [k for k in keys if k not in obj]
    if missing:
        raise InputError(path, f"missing key(s) {', '.join(missing)}",
                         f"rule {rule} must write them; run it again with the current code.")


def _split_metrics(ev: dict, split: str, path: Path) -> dict:
    block = ev.get(split)
    if not isinstance(block, dict):
        raise InputError(path, f"no '{split}' object with the {split}-set metrics",
                         f"run rule {EVAL_RULE} again with the current code.")
    return block


def model_row(model_dir: str | Path) -> dict:
    """One model's table row from its summary.json and eval.json."""
    model_dir = Path(model_dir)
    summary = read_json(model_dir / "summary.json", TRAIN_RULE)
    ev = read_json(model_dir / "eval.json", EVAL_RULE)
    _require(summary, ["name", "arch", "level"], model_dir / "summary.json", TRAIN_RULE)
    if ev.get("name", summary["name"]) not in (summary["name"], model_dir.name):
        # Numbers from another model's evaluation would silently mislabel a row.
        raise InputError(model_dir / "eval.json",
                         f"is for model '{ev['name']}' but summary.json is for '{summary['name']}'",
                         f"run rule {EVAL_RULE} for {summary['name']} again.")
    val = _split_metrics(ev, "val", model_dir / "eval.json")
    test = _split_metrics(ev, "test", model_dir / "eval.json")
    return {
        **{k: summary.get(k) for k in ("name", "arch", "level", "family", "params_total",
                                       "params_trainable", "train_seconds", "tokens_per_second",
                                       "peak_memory_mb", "peak_memory_kind", "device",
                                       "world_size", "best_epoch")},
        "val_ppl": val.get("ppl"), "test_ppl": test.get("ppl"),
        "ppl_unit": ev.get("ppl_unit") or summary["level"],
        "val_bpc": val.get("bpc"), "test_bpc": test.get("bpc"),
        "test_bpc_oov_charged": test.get("bpc_oov_charged"), "oov_rate": test.get("oov_rate"),
        "oov_counting": ev.get("oov_counting") or summary.get("oov_counting"),
        "generation_tokens_per_second": generation_rate(model_dir / "samples.jsonl"),
    }


def generation_rate(samples_jsonl: Path) -> float | None:
    """Tokens per second of the generated songs (sample_textgen times each); None when not sampled."""
    if not samples_jsonl.is_file():
        return None
    songs = [json.loads(line) for line in samples_jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    seconds = sum(s.get("seconds") or 0.0 for s in songs)
    return sum(s["tokens"] for s in songs) / seconds if seconds > 0 else None


def load_models(dirs) -> pd.DataFrame:
    """One row per model directory (columns MODEL_COLUMNS), best test bits/char first."""
    frame = pd.DataFrame([model_row(d) for d in dirs], columns=MODEL_COLUMNS)
    for col in _NUMERIC:  # JSON null -> NaN, so sorting and formatting need no special cases
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return sort_by_test_bpc(frame)


def sort_by_test_bpc(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("test_bpc", kind="stable", na_position="last").reset_index(drop=True)


def load_trainlogs(dirs, rule: str = TRAIN_RULE) -> dict[str, pd.DataFrame]:
    """{model name (the directory name): its trainlog.csv sorted by epoch}."""
    logs = {}
    for d in map(Path, dirs):
        log = read_csv(d / "trainlog.csv", rule, TRAINLOG_REQUIRED)
        for col in log.columns:
            log[col] = pd.to_numeric(log[col], errors="coerce")
        logs[d.name] = log.sort_values("epoch").reset_index(drop=True)
    return logs


def load_context(dirs) -> pd.DataFrame:
    """One row per context-length run: group (arch_level), seq_len, best val bpc/ppl, time."""
    rows = []
    for d in map(Path, dirs):
        summary = read_json(d / "summary.json", CONTEXT_RULE)
        _require(summary, ["arch", "level", "seq_len"], d / "summary.json", CONTEXT_RULE)
        log = load_trainlogs([d], CONTEXT_RULE)[d.name]
        rows.append({"run": d.name, "group": f"{summary['arch']}_{summary['level']}",
                     "seq_len": summary["seq_len"],
                     "val_bpc": _best(summary.get("best_val_bpc"), log, "val_bpc"),
                     "val_ppl": _best(summary.get("best_val_ppl"), log, "val_ppl"),
                     "train_seconds": summary.get("train_seconds"),
                     "tokens_per_second": summary.get("tokens_per_second")})
    frame = pd.DataFrame(rows, columns=["run", "group", "seq_len", "val_bpc", "val_ppl",
                                        "train_seconds", "tokens_per_second"])
    for col in ("seq_len", "val_bpc", "val_ppl", "train_seconds", "tokens_per_second"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame.sort_values(["group", "seq_len"]).reset_index(drop=True)


def _best(from_summary, log: pd.DataFrame, col: str) -> float:
    """The summary's best value, else the trainlog's minimum (runs killed before the summary was final)."""
    if from_summary is not None:
        return from_summary
    return log[col].min() if col in log.columns else math.nan


def load_decoding(csvs) -> dict[str, pd.DataFrame]:
    """{model name (the CSV's stem): its decoding grid}."""
    grids = {}
    for path in map(Path, csvs):
        grid = read_csv(path, DECODING_RULE, DECODING_REQUIRED)
        for col in DECODING_REQUIRED:
            grid[col] = pd.to_numeric(grid[col], errors="coerce")
        grids[path.stem] = grid
    return grids


# ---------------------------------------------------------------- the table

def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_count(n) -> str:
    if _missing(n):
        return "–"
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            return f"{n / div:.3g}{suffix}"
    return f"{n:.0f}"


def fmt_seconds(s) -> str:
    if _missing(s):
        return "–"
    s = int(round(s))
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    return f"{h}h {m:02d}m" if h else f"{m}m {sec:02d}s" if m else f"{sec}s"


def fmt_float(x, digits: int = 3) -> str:
    return "–" if _missing(x) else f"{x:.{digits}f}"


def fmt_ppl(x, unit) -> str:
    if _missing(x):
        return "–"
    value = f"{x:,.0f}" if x >= 1000 else f"{x:.2f}"
    return f"{value} /{unit}" if unit else value


def _params_cell(row) -> str:
    cell = fmt_count(row.params_total)
    # Only adapters train in LoRA models; say so, or the params column misleads.
    if not _missing(row.params_trainable) and row.params_trainable != row.params_total:
        cell += f" ({fmt_count(row.params_trainable)} trainable)"
    return cell


def _test_bpc_cell(row) -> str:
    cell = fmt_float(row.test_bpc)
    if not _missing(row.test_bpc_oov_charged):
        cell += f" ({fmt_float(row.test_bpc_oov_charged)})"
    return cell


def _memory_cell(row) -> str:
    if _missing(row.peak_memory_mb):
        return "–"
    kind = _MEMORY_KIND.get(row.peak_memory_kind, row.peak_memory_kind or "")
    return f"{row.peak_memory_mb:,.0f} MB {kind}".strip()


def _device_cell(row) -> str:
    device = row.device if isinstance(row.device, str) and row.device else "–"
    if not _missing(row.world_size) and row.world_size > 1:
        device += f" ×{int(row.world_size)}"
    return device


def _md_cell(text) -> str:
    """Text safe inside a Markdown table: no cell breaks, and `<unk>` is not read as HTML."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\n", " "))


def table_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The display table, formatted as strings, in test-bits/char order."""
    df = sort_by_test_bpc(df)
    return pd.DataFrame({
        "Model": df["name"],
        "Parameters": [_params_cell(r) for r in df.itertuples()],
        "Val PPL": [fmt_ppl(r.val_ppl, r.ppl_unit) for r in df.itertuples()],
        "Test PPL": [fmt_ppl(r.test_ppl, r.ppl_unit) for r in df.itertuples()],
        "Val bits/char": [fmt_float(v) for v in df["val_bpc"]],
        "Test bits/char": [_test_bpc_cell(r) for r in df.itertuples()],
        "Train time": [fmt_seconds(v) for v in df["train_seconds"]],
        "Tokens/s": [fmt_count(v) for v in df["tokens_per_second"]],
        "Peak memory": [_memory_cell(r) for r in df.itertuples()],
        "Device": [_device_cell(r) for r in df.itertuples()],
    })


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no tabulate dependency)."""
    right = {"Parameters", "Val PPL", "Test PPL", "Val bits/char", "Test bits/char",
             "Train time", "Tokens/s", "Peak memory"}
    lines = ["| " + " | ".join(table.columns) + " |",
             "|" + "|".join("---:" if c in right else ":---" for c in table.columns) + "|"]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def oov_note(df: pd.DataFrame) -> str:
    """How OOV was counted, in eval.json's own words from a word-level model."""
    words = df[(df["level"] == "word") & df["oov_counting"].notna() & (df["oov_counting"] != "")]
    if words.empty:
        return "OOV: no word-level model in this table, so no token is out of vocabulary."
    row = words.iloc[0]
    rate = "" if _missing(row.oov_rate) else f" (test OOV rate of {row['name']}: {row.oov_rate:.2%})"
    return (f"OOV: {_md_cell(str(row.oov_counting).rstrip('.'))}{rate}. In brackets: test "
            "bits/char with out-of-vocabulary words charged (eval.json `bpc_oov_charged`); "
            "compare that number with character models.")


def metrics_table(df: pd.DataFrame) -> str:
    """Markdown: one row per model sorted by test bits/char, and a legend saying how to read it."""
    legend = [
        "Sorted by test bits per character (lower is better); val and test are held-out splits "
        "(no song in two splits).",
        "PPL is per model's own unit (shown after the slash: char, word or token) and is not "
        "comparable across levels; bits per character are computed over the same raw text for "
        "every model, so they are.",
        oov_note(df),
        "Training time, tokens/s and peak memory were measured where the Device column says "
        "(×N: N processes). GPU peak memory is the CUDA allocator's maximum, CPU RSS the "
        "process's peak resident set; the two are not comparable.",
    ]
    return to_markdown(table_rows(df)) + "\n\n" + "\n".join(f"- {line}" for line in legend) + "\n"


# ---------------------------------------------------------------- figures

def plot_note(path: str | Path, text: str) -> None:
    """A small figure holding only `text`, so a Snakemake output exists when there is nothing to plot."""
    fig, ax = plt.subplots(figsize=(6, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color="#555555",
            transform=ax.transAxes, wrap=True)
    save(fig, path)


def _grid(n: int, max_cols: int = 3) -> tuple[int, int]:
    cols = min(max_cols, max(n, 1))
    return math.ceil(max(n, 1) / cols), cols


def _empty_panel(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", color="#777777", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def epoch_axis(ax, log: pd.DataFrame) -> None:
    """The x axis and loss label of a learning-curve panel, shared by the part reports."""
    ax.set_xlabel("epoch")
    if ax.get_subplotspec().is_first_col():
        ax.set_ylabel("cross-entropy loss")
    ax.xaxis.get_major_locator().set_params(integer=True)
    if log["epoch"].nunique() == 1:  # one epoch: an axis around it, not 0.96..1.04
        only = log["epoch"].iloc[0]
        ax.set_xlim(only - 1, only + 1)
    ax.grid(alpha=0.3)


def draw_learning_curves(logs: dict[str, pd.DataFrame], path: str | Path) -> None:
    """Train and val loss per epoch, one panel per model; the best val epoch marked."""
    if not logs:
        return plot_note(path, "no models to plot")
    nrows, ncols = _grid(len(logs))
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(6.0, 4.2 * ncols), 3.0 * nrows + 0.6),
                             squeeze=False, layout="constrained")
    for ax, (name, log) in zip(axes.flat, logs.items()):
        ax.set_title(name)
        if log[["train_loss", "val_loss"]].isna().all().all():
            _empty_panel(ax, "no losses logged")
            continue
        ax.plot(log["epoch"], log["train_loss"], "o-", ms=3, color=_TRAIN_COLOR, label="train")
        ax.plot(log["epoch"], log["val_loss"], "s-", ms=3, color=_VAL_COLOR, label="val")
        if log["val_loss"].notna().any():
            best = log.loc[log["val_loss"].idxmin(), "epoch"]
            ax.axvline(best, color="#999999", ls=":", lw=1, label="best val epoch")
        epoch_axis(ax, log)
    for ax in axes.flat[len(logs):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if not handles:  # the first model logged nothing; borrow the legend from any other
        for ax in axes.flat:
            handles, labels = ax.get_legend_handles_labels()
            if handles:
                break
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
    fig.suptitle("Learning curves (loss per char, word or token: each model's own unit)")
    save(fig, path)


def plot_learning_curves(dirs, path: str | Path) -> None:
    draw_learning_curves(load_trainlogs(dirs), path)


def plot_bpc(df: pd.DataFrame, path: str | Path) -> None:
    """Grouped horizontal bars of val and test bits/char, best model on top, values labeled."""
    if df.empty:
        return plot_note(path, "no models to plot")
    df = sort_by_test_bpc(df).iloc[::-1]  # barh draws bottom-up: best last = on top
    y = np.arange(len(df))
    height = 0.38
    fig, ax = plt.subplots(figsize=(7.5, 1.0 + 0.65 * len(df)), layout="constrained")
    top = np.nanmax(df[["val_bpc", "test_bpc"]].to_numpy(dtype=float), initial=0.0)
    for offset, col, color, label in ((height / 2, "val_bpc", _VAL_COLOR, "val"),
                                      (-height / 2, "test_bpc", _TEST_COLOR, "test")):
        values = df[col].to_numpy(dtype=float)
        ax.barh(y + offset, np.nan_to_num(values), height, color=color, label=label)
        for yi, v in zip(y + offset, values):
            ax.text((0 if np.isnan(v) else v) + top * 0.01, yi, "n/a" if np.isnan(v) else f"{v:.3f}",
                    va="center", fontsize=8)
    ax.set_yticks(y, df["name"])
    ax.set_xlim(0, (top or 1.0) * 1.15)  # room for the value labels
    ax.set_xlabel("bits per character over the same raw text (lower is better)")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Held-out bits per character")
    save(fig, path)


def _log2_axis(ax, values) -> None:
    ax.set_xscale("log", base=2)
    ticks = sorted({int(v) for v in values if not _missing(v)})
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()


def draw_context(runs: pd.DataFrame, path: str | Path) -> None:
    """Best val bits/char and training time against training seq_len, one line per arch_level."""
    if runs.empty:
        return plot_note(path, "no context-length ablation configured")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    for group, part in runs.groupby("group", sort=True):
        left.plot(part["seq_len"], part["val_bpc"], "o-", label=group)
        right.plot(part["seq_len"], part["train_seconds"] / 60, "o-", label=group)
        for x, v in zip(part["seq_len"], part["val_bpc"]):
            if not _missing(v):
                left.annotate(f"{v:.3f}", (x, v), textcoords="offset points", xytext=(0, 6),
                              ha="center", fontsize=8)
    for ax, ylabel in ((left, "best val bits per character"), (right, "training time (minutes)")):
        _log2_axis(ax, runs["seq_len"])
        ax.set_xlabel("training context length (seq_len, tokens)")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    left.margins(y=0.15)  # headroom for the value labels
    left.legend(frameon=False)
    fig.suptitle("Context-length ablation")
    save(fig, path)


def plot_context(dirs, path: str | Path) -> None:
    draw_context(load_context(dirs), path)


def most_common_top_k(grid: pd.DataFrame):
    """The top_k used by most rows (smallest on a tie), so every model is shown at one setting."""
    counts = grid["top_k"].value_counts()
    return min(counts[counts == counts.max()].index) if not counts.empty else None


def _heatmap(ax, table: pd.DataFrame, cmap: str, vmin: float, vmax: float):
    values = table.to_numpy(dtype=float)
    cmap_obj = plt.get_cmap(cmap).with_extremes(bad="#e0e0e0")  # missing cells grey
    im = ax.imshow(np.ma.masked_invalid(values), cmap=cmap_obj, vmin=vmin, vmax=vmax, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if np.isnan(v):
            ax.text(j, i, "–", ha="center", va="center", fontsize=8, color="#555555")
            continue
        shade = (v - vmin) / (vmax - vmin) if vmax > vmin else 0.5
        r, g, b, _ = cmap_obj(shade)
        color = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=9, color=color)
    ax.set_xticks(range(len(table.columns)), [f"{c:g}" for c in table.columns])
    ax.set_yticks(range(len(table.index)), [f"{t:g}" for t in table.index])
    return im


def _color_range(grids: dict[str, pd.DataFrame], col: str) -> tuple[float, float]:
    """One colour scale per metric across models, so a colour means the same in every row."""
    values = pd.concat([g[col] for g in grids.values()]).dropna()
    if values.empty:
        return 0.0, 1.0
    return float(values.min()), float(values.max())


def draw_decoding(grids: dict[str, pd.DataFrame], path: str | Path) -> None:
    """Per model, heatmaps of temperature x top_p for each DECODING_PANELS metric at the common top_k."""
    if not grids:
        return plot_note(path, "no decoding ablation configured")
    n = len(grids)
    fig, axes = plt.subplots(n, len(DECODING_PANELS), figsize=(3.3 * len(DECODING_PANELS), 2.3 * n + 1.4),
                             squeeze=False, layout="constrained")
    for j, (col, title, cmap) in enumerate(DECODING_PANELS):
        vmin, vmax = _color_range(grids, col)
        im = None
        for i, (name, grid) in enumerate(grids.items()):
            ax = axes[i, j]
            top_k = most_common_top_k(grid)
            rows = grid[grid["top_k"] == top_k]
            if rows.empty:
                _empty_panel(ax, "no rows")
                continue
            table = rows.pivot_table(index="temperature", columns="top_p", values=col,
                                     aggfunc="mean", dropna=False).sort_index().sort_index(axis=1)
            im = _heatmap(ax, table, cmap, vmin, vmax)
            ax.set_xlabel("top_p" if i == n - 1 else "")
            ax.set_ylabel("temperature" if j == 0 else "")
            if j == 0:
                k = "off" if top_k in (0, None) or _missing(top_k) else f"{int(top_k)}"
                ax.text(-0.32, 0.5, f"{name}\ntop_k {k}", transform=ax.transAxes, rotation=90,
                        ha="center", va="center", fontsize=10, fontweight="bold")
            if i == 0:
                ax.set_title(title, fontsize=10)
        if im is not None:
            bar = fig.colorbar(im, ax=axes[:, j], location="bottom", shrink=0.8, aspect=25, pad=0.01)
            bar.ax.locator_params(nbins=4)  # narrow ranges otherwise crowd the ticks
    fig.suptitle("Decoding ablation by temperature and top_p (lighter = better; one colour scale per column)")
    save(fig, path)


def plot_decoding(csvs, path: str | Path) -> None:
    draw_decoding(load_decoding(csvs), path)
