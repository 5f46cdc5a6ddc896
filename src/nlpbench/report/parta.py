"""Part A report: the language-model metrics table and its figures.

Reads what training, evaluation and the ablations wrote (per model and seed
`summary.json`, `trainlog.csv`, `eval.json`, `samples.jsonl`; per
context-length run `summary.json`, `trainlog.csv`; per model and seed one
decoding-grid CSV) and turns it into `metrics.csv` (one row per model and
seed), `song_scores.csv` (each held-out song's NLL per model and seed, for
paired comparisons), `metrics.md` (one row per model, mean ± std over seeds,
sorted by validation, each model's test difference from the one validation
prefers with a paired interval over songs) and four PNGs. Loaders validate
everything and raise `InputError` naming the file and the rule that writes
it, so a report rule fails before it writes anything; the `draw_*`
functions only draw.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nlpbench.core.errors import InputError
from nlpbench.core.markdown import markdown_table, md_cell
from nlpbench.core.plots import heatmap, plt, save
from nlpbench.core.stats import fmt_difference, fmt_mean_std, holds_zero, paired_bpc_difference, seed_stats
from nlpbench.report.common import (
    device_cell,
    empty_panel,
    epoch_axis,
    fmt_count,
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
TRAIN_RULE = "train_textgen"
EVAL_RULE = "eval_textgen"
CONTEXT_RULE = "train_context"
DECODING_RULE = "decoding_ablation"

MODEL_COLUMNS = ["name", "seed", "arch", "level", "family", "params_total", "params_trainable",
                 "val_ppl", "test_ppl", "ppl_unit", "val_bpc", "test_bpc", "val_bpc_unk", "test_bpc_unk",
                 "oov_rate", "train_seconds", "tokens_per_second", "peak_memory_mb",
                 "peak_memory_kind", "device", "device_name", "world_size", "best_epoch", "oov_counting",
                 "generation_tokens_per_second"]
_NUMERIC = ["seed", "params_total", "params_trainable", "val_ppl", "test_ppl", "val_bpc", "test_bpc",
            "val_bpc_unk", "test_bpc_unk", "oov_rate", "train_seconds", "tokens_per_second",
            "peak_memory_mb", "world_size", "best_epoch", "generation_tokens_per_second"]
# Averaged over seeds in the table (the rest is the same for every seed of a model).
SEED_METRICS = ["val_bpc", "test_bpc", "val_bpc_unk", "test_bpc_unk", "val_ppl", "test_ppl", "oov_rate",
                "train_seconds", "tokens_per_second", "peak_memory_mb", "generation_tokens_per_second"]
SONG_COLUMNS = ["name", "seed", "split", "song", "nll_nats", "chars"]
TRAINLOG_REQUIRED = ["epoch", "train_loss", "val_loss"]
DECODING_REQUIRED = ["temperature", "top_p", "top_k", "distinct_2", "repetition_4gram",
                     "copy_rate", "mean_nll"]
# (column, panel title, colormap): reversed maps so that "better" is always lighter.
DECODING_PANELS = [("distinct_2", "distinct-2 (higher = more varied)", "viridis"),
                   ("repetition_4gram", "repeated 4-grams (lower = better)", "magma_r"),
                   ("copy_rate", "copied from train (lower = better)", "magma_r"),
                   ("mean_nll", "mean NLL per token", "cividis_r")]
_TRAIN_COLOR, _VAL_COLOR, _TEST_COLOR = "#4c72b0", "#dd8452", "#55a868"


# ---------------------------------------------------------------- reading

def model_row(run_dir: str | Path) -> dict:
    """One model's and seed's table row from its summary.json and eval.json."""
    run_dir = Path(run_dir)
    summary = read_json(run_dir / "summary.json", TRAIN_RULE)
    ev = read_json(run_dir / "eval.json", EVAL_RULE)
    require(summary, ["name", "arch", "level", "seed"], run_dir / "summary.json", TRAIN_RULE)
    if (ev.get("name"), ev.get("seed")) != (summary["name"], summary["seed"]):
        # Numbers from another model's (or seed's) evaluation would silently mislabel a row.
        raise InputError(run_dir / "eval.json",
                         f"is for model '{ev.get('name')}' seed {ev.get('seed')} but summary.json is for "
                         f"'{summary['name']}' seed {summary['seed']}",
                         f"run rule {EVAL_RULE} for {summary['name']} again.")
    val = _split_metrics(ev, "val", run_dir / "eval.json")
    test = _split_metrics(ev, "test", run_dir / "eval.json")
    return {
        **{k: summary.get(k) for k in ("name", "seed", "arch", "level", "family", "params_total",
                                       "params_trainable", "train_seconds", "tokens_per_second",
                                       "peak_memory_mb", "peak_memory_kind", "device", "device_name",
                                       "world_size", "best_epoch")},
        "val_ppl": val.get("ppl"), "test_ppl": test.get("ppl"),
        "ppl_unit": ev.get("ppl_unit") or summary["level"],
        "val_bpc": val.get("bpc"), "test_bpc": test.get("bpc"),
        "val_bpc_unk": val.get("bpc_unk"), "test_bpc_unk": test.get("bpc_unk"), "oov_rate": test.get("oov_rate"),
        "oov_counting": ev.get("oov_counting") or summary.get("oov_counting"),
        "generation_tokens_per_second": generation_rate(run_dir / "samples.jsonl"),
    }


def _split_metrics(ev: dict, split: str, path: Path) -> dict:
    block = ev.get(split)
    if not isinstance(block, dict) or not isinstance(block.get("per_song"), dict) or "bpc_unk" not in block:
        raise InputError(path, f"no '{split}' object with the open-vocabulary and per-song scores (written "
                         "before every model was scored song by song)",
                         f"run rule {EVAL_RULE} again with the current code.")
    return block


def song_rows(run_dir: str | Path) -> list[dict]:
    """Each held-out song's open-vocabulary NLL and characters, from one run's eval.json."""
    path = Path(run_dir) / "eval.json"
    ev = read_json(path, EVAL_RULE)
    rows = []
    for split in ("val", "test"):
        songs = _split_metrics(ev, split, path)["per_song"]
        if len(songs.get("nll_nats", [])) != len(songs.get("chars", [])):
            raise InputError(path, f"'{split}.per_song' holds {len(songs.get('nll_nats', []))} NLLs for "
                             f"{len(songs.get('chars', []))} songs", f"run rule {EVAL_RULE} again.")
        rows += [{"name": ev["name"], "seed": ev["seed"], "split": split, "song": i, "nll_nats": nll, "chars": c}
                 for i, (nll, c) in enumerate(zip(songs["nll_nats"], songs["chars"]))]
    return rows


def check_same_songs(dirs) -> None:
    """Per-song scores pair up only when every run scored the same songs: compare the digests."""
    seen: dict[str, tuple[str, Path]] = {}
    for d in map(Path, dirs):
        ev = read_json(d / "eval.json", EVAL_RULE)
        for split in ("val", "test"):
            digest = _split_metrics(ev, split, d / "eval.json")["per_song"].get("digest")
            first = seen.setdefault(split, (digest, d / "eval.json"))
            if digest != first[0]:
                raise InputError(d / "eval.json", f"scored other {split} songs than {first[1]}: the runs "
                                 "used different splits", f"rerun rule {EVAL_RULE} for both on the same split.")


def generation_rate(samples_jsonl: Path) -> float | None:
    """Tokens per second of the generated songs (sample_textgen times each); None when not sampled."""
    if not samples_jsonl.is_file():
        return None
    songs = [json.loads(line) for line in samples_jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    seconds = sum(s.get("seconds") or 0.0 for s in songs)
    return sum(s["tokens"] for s in songs) / seconds if seconds > 0 else None


def load_models(dirs) -> pd.DataFrame:
    """One row per run directory (model x seed; columns MODEL_COLUMNS), models in validation order."""
    frame = pd.DataFrame([model_row(d) for d in dirs], columns=MODEL_COLUMNS)
    for col in _NUMERIC:  # JSON null -> NaN, so sorting and formatting need no special cases
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    twins = frame[frame.duplicated(["name", "seed"], keep=False)]
    if not twins.empty:
        first = twins.iloc[0]
        paths = [str(Path(d) / "summary.json") for d, dup in zip(dirs, frame.duplicated(["name", "seed"], keep=False))
                 if dup]
        raise InputError(paths[0], f"is model '{first['name']}' seed {first['seed']:.0f}, as is {paths[1]}",
                         "pass each run directory once; every run of a model needs its own seed.")
    order = frame.groupby("name", sort=False)["val_bpc"].mean().sort_values(kind="stable", na_position="last")
    frame["_order"] = frame["name"].map({n: i for i, n in enumerate(order.index)})
    return frame.sort_values(["_order", "seed"], kind="stable").drop(columns="_order").reset_index(drop=True)


def load_songs(dirs) -> pd.DataFrame:
    """Every run's per-song scores (columns SONG_COLUMNS), after checking they scored the same songs."""
    check_same_songs(dirs)
    return pd.DataFrame([row for d in dirs for row in song_rows(d)], columns=SONG_COLUMNS)


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per model in validation order: `seeds`, mean and `_std` of SEED_METRICS, and what all seeds share."""
    stats = seed_stats(runs, "name", SEED_METRICS)
    shared = runs.groupby("name", sort=False).first()[
        ["arch", "level", "family", "params_total", "params_trainable", "ppl_unit", "peak_memory_kind",
         "device", "device_name", "world_size", "oov_counting"]].reset_index()
    out = stats.merge(shared, on="name")
    return out.sort_values("val_bpc", kind="stable", na_position="last").reset_index(drop=True)


def paired_deltas(summary: pd.DataFrame, songs: pd.DataFrame) -> pd.DataFrame:
    """Each model's test bits/char minus the validation-best model's, seeds averaged, paired over test songs.

    The reference is the model with the lowest mean *validation* bits per
    character (the first row of `summary`), never chosen on test.
    """
    cols = ["name", "reference", "delta_bpc", "delta_ci_low", "delta_ci_high"]
    test = songs[songs["split"] == "test"]
    if summary.empty or summary["val_bpc"].isna().all() or test.empty:
        return pd.DataFrame(columns=cols)
    ref = str(summary["name"].iloc[0])
    matrix = {n: g.pivot(index="seed", columns="song", values="nll_nats").to_numpy()
              for n, g in test.groupby("name", sort=False)}
    chars = test[test["name"] == ref].groupby("song")["chars"].first().to_numpy()
    rows = []
    for name in summary["name"]:
        diff = paired_bpc_difference(matrix[name], matrix[ref], chars)
        rows.append({"name": name, "reference": ref, "delta_bpc": diff["difference"],
                     "delta_ci_low": diff["ci95"][0], "delta_ci_high": diff["ci95"][1]})
    return pd.DataFrame(rows, columns=cols)


def run_identity(run_dir: Path, rule: str) -> tuple[str, int]:
    """(model name, seed) of a run directory, from its summary.json."""
    summary = read_json(run_dir / "summary.json", rule)
    require(summary, ["name", "seed"], run_dir / "summary.json", rule)
    return str(summary["name"]), int(summary["seed"])


def load_trainlogs(dirs, rule: str = TRAIN_RULE) -> dict[str, pd.DataFrame]:
    """{model name: the trainlog.csv of each of its runs, a `seed` column telling them apart}."""
    runs: dict[str, list[pd.DataFrame]] = {}
    for d in map(Path, dirs):
        log = read_csv(d / "trainlog.csv", rule, TRAINLOG_REQUIRED)
        for col in log.columns:
            log[col] = pd.to_numeric(log[col], errors="coerce")
        name, seed = run_identity(d, rule)
        runs.setdefault(name, []).append(log.assign(seed=seed))
    return {name: pd.concat(logs).sort_values(["seed", "epoch"]).reset_index(drop=True)
            for name, logs in runs.items()}


def load_context(dirs) -> pd.DataFrame:
    """One row per context-length run (and seed): group (arch_level), seq_len, best val bpc/ppl, time."""
    rows = []
    for d in map(Path, dirs):
        summary = read_json(d / "summary.json", CONTEXT_RULE)
        require(summary, ["arch", "level", "seq_len", "seed"], d / "summary.json", CONTEXT_RULE)
        log = read_csv(d / "trainlog.csv", CONTEXT_RULE, TRAINLOG_REQUIRED)
        rows.append({"run": summary.get("name", d.parent.name), "seed": summary["seed"],
                     "group": f"{summary['arch']}_{summary['level']}", "seq_len": summary["seq_len"],
                     "val_bpc": _best(summary.get("best_val_bpc"), log, "val_bpc"),
                     "val_ppl": _best(summary.get("best_val_ppl"), log, "val_ppl"),
                     "train_seconds": summary.get("train_seconds"),
                     "tokens_per_second": summary.get("tokens_per_second")})
    frame = pd.DataFrame(rows, columns=["run", "seed", "group", "seq_len", "val_bpc", "val_ppl",
                                        "train_seconds", "tokens_per_second"])
    for col in ("seed", "seq_len", "val_bpc", "val_ppl", "train_seconds", "tokens_per_second"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame.sort_values(["group", "seq_len", "seed"]).reset_index(drop=True)


def _best(from_summary, log: pd.DataFrame, col: str) -> float:
    """The summary's best value, else the trainlog's minimum (runs killed before the summary was final)."""
    if from_summary is not None:
        return from_summary
    return pd.to_numeric(log[col], errors="coerce").min() if col in log.columns else math.nan


def load_decoding(csvs) -> dict[str, pd.DataFrame]:
    """{model name: its decoding grids, one per seed (decoding/<model>/seed<N>.csv), with a `seed` column}."""
    grids: dict[str, list[pd.DataFrame]] = {}
    for path in map(Path, csvs):
        grid = read_csv(path, DECODING_RULE, DECODING_REQUIRED)
        for col in DECODING_REQUIRED:
            grid[col] = pd.to_numeric(grid[col], errors="coerce")
        seed = int(path.stem[4:]) if path.stem.startswith("seed") and path.stem[4:].isdigit() else None
        grids.setdefault(path.parent.name, []).append(grid.assign(seed=seed))
    return {name: pd.concat(parts, ignore_index=True) for name, parts in grids.items()}


@dataclass
class PartA:
    """Everything the report writes and draws, read and checked before anything is written."""
    runs: pd.DataFrame                  # one row per model and seed
    songs: pd.DataFrame                 # per-song scores of every run
    summary: pd.DataFrame               # one row per model: mean ± std over seeds, validation order
    deltas: pd.DataFrame                # paired test differences from the validation-best model
    logs: dict[str, pd.DataFrame] = field(default_factory=dict)
    context: pd.DataFrame = field(default_factory=pd.DataFrame)
    decoding: dict[str, pd.DataFrame] = field(default_factory=dict)


def load_report(model_dirs, context_dirs=(), decoding_csvs=()) -> PartA:
    runs = load_models(model_dirs)
    songs = load_songs(model_dirs)
    summary = summarize(runs)
    return PartA(runs=runs, songs=songs, summary=summary, deltas=paired_deltas(summary, songs),
                 logs=load_trainlogs(model_dirs), context=load_context(context_dirs),
                 decoding=load_decoding(decoding_csvs))


# ---------------------------------------------------------------- the table

def fmt_ppl(x, unit) -> str:
    if missing(x):
        return "–"
    value = f"{x:,.0f}" if x >= 1000 else f"{x:.2f}"
    return f"{value} /{unit}" if unit else value


def _delta_cell(row, deltas: dict) -> str:
    d = deltas.get(row.name)
    if d is None or missing(d["delta_bpc"]):
        return "–"
    if row.name == d["reference"]:
        return "reference"
    ci = (d["delta_ci_low"], d["delta_ci_high"])
    return fmt_difference(d["delta_bpc"], ci) + (" (cannot tell)" if holds_zero(ci) else "")


def _unk_cell(row) -> str:
    """Bits per char with `<unk>` free: shown only where it differs from the open-vocabulary figure."""
    if missing(row.test_bpc_unk) or (not missing(row.test_bpc) and abs(row.test_bpc_unk - row.test_bpc) < 5e-4):
        return "same"
    return fmt_mean_std(row.test_bpc_unk, row.test_bpc_unk_std)


def table_rows(summary: pd.DataFrame, deltas: pd.DataFrame) -> pd.DataFrame:
    """The display table, formatted as strings, in validation order (summarize's)."""
    by_name = {r["name"]: r for r in deltas.to_dict("records")}
    rows = list(summary.itertuples())
    return pd.DataFrame({
        "Model": summary["name"],
        "Seeds": [f"{int(r.seeds)}" for r in rows],
        "Parameters": [params_cell(r) for r in rows],
        "Val bits/char": [fmt_mean_std(r.val_bpc, r.val_bpc_std) for r in rows],
        "Test bits/char": [fmt_mean_std(r.test_bpc, r.test_bpc_std) for r in rows],
        "Δ test bits/char [paired 95% CI]": [_delta_cell(r, by_name) for r in rows],
        "Test bits/char, <unk> free": [_unk_cell(r) for r in rows],
        "Val PPL": [fmt_ppl(r.val_ppl, r.ppl_unit) for r in rows],
        "Test PPL": [fmt_ppl(r.test_ppl, r.ppl_unit) for r in rows],
        "Train time": [fmt_seconds(r.train_seconds) for r in rows],
        "Tokens/s": [fmt_count(r.tokens_per_second) for r in rows],
        "Peak memory": [memory_cell(r) for r in rows],
        "Device": [device_cell(r) for r in rows],
    })


_LEFT = {"Model", "Device"}


def oov_note(summary: pd.DataFrame) -> str:
    """How unknown tokens were paid for, in eval.json's own words from a word-level model."""
    words = summary[(summary["level"] == "word") & summary["oov_counting"].notna() & (summary["oov_counting"] != "")]
    if words.empty:
        return ("Unknown tokens: no word-level model in this table; a character unseen in train is spelt "
                "out after `<unk>` (uniform over the unused code points).")
    row = words.iloc[0]
    rate = "" if missing(row.oov_rate) else f" (test OOV rate of {row['name']}: {row.oov_rate:.2%})"
    return (f"Unknown tokens: {md_cell(str(row.oov_counting).rstrip('.'))}{rate}. Bits per character "
            "are open-vocabulary: they include that spelling, so every model pays for every character "
            "and the column ranks them fairly; the \"`<unk>` free\" column leaves it out, which flatters "
            "word models.")


def _seed_note(summary: pd.DataFrame) -> str:
    counts = sorted({int(n) for n in summary["seeds"]})
    if counts == [1]:
        return "One training seed per model: no ± spread can be shown (run more seeds to get one)."
    return (f"Mean ± standard deviation over {'/'.join(map(str, counts))} training seeds per model "
            "(one row per seed in metrics.csv).")


def metrics_table(summary: pd.DataFrame, deltas: pd.DataFrame, test_songs: int | None = None) -> str:
    """Markdown: one row per model in validation order, and a legend saying how to read it."""
    ref = deltas["reference"].iloc[0] if len(deltas) else None
    songs = f" {test_songs:,}" if test_songs else ""
    legend = [
        "Sorted by validation bits per character (lower is better): models are compared and chosen on "
        "validation only; the test split is scored once per run and reported.",
        _seed_note(summary),
        "Bits per character are computed over the same raw text for every model, each song scored alone "
        "from a fresh state given its start marker (which is never scored), so they compare across "
        "char, word and token models; PPL is per each model's own unit (after the slash) and does not.",
        oov_note(summary),
        *([f"Δ is each model's test bits per character minus {ref}'s (the model with the best validation "
           f"bits per character), seeds averaged, with a paired bootstrap interval over the{songs} test songs "
           "(both models scored on the same resampled songs); negative is better. \"cannot tell\": the "
           "interval holds 0, so the test split cannot tell the two apart."] if ref else []),
        "Training time, tokens/s and peak memory (means over seeds) were measured where the Device column "
        "says (×N: N processes). GPU peak memory is the CUDA allocator's maximum, CPU RSS the process's "
        "peak resident set; the two are not comparable.",
    ]
    legend_md = "\n".join(f"- {line}" for line in legend)
    return markdown_table(table_rows(summary, deltas), left=_LEFT) + "\n\n" + legend_md + "\n"


# ---------------------------------------------------------------- figures

def draw_learning_curves(logs: dict[str, pd.DataFrame], path: str | Path) -> None:
    """Train and val loss per epoch, one panel per model; the best val epoch marked."""
    if not logs:
        return plot_note(path, "no models to plot")
    nrows, ncols = panel_grid(len(logs))
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(6.0, 4.2 * ncols), 3.0 * nrows + 0.6),
                             squeeze=False, layout="constrained")
    for ax, (name, log) in zip(axes.flat, logs.items()):
        seeds = log.groupby("seed", sort=True) if "seed" in log else [(None, log)]
        ax.set_title(name if len(seeds) == 1 else f"{name} ({len(seeds)} seeds)")
        if log[["train_loss", "val_loss"]].isna().all().all():
            empty_panel(ax, "no losses logged")
            continue
        for i, (_, run) in enumerate(seeds):  # every seed in the same colours; one legend entry each
            ax.plot(run["epoch"], run["train_loss"], "o-", ms=3, color=_TRAIN_COLOR, alpha=0.8,
                    label="train" if i == 0 else None)
            ax.plot(run["epoch"], run["val_loss"], "s-", ms=3, color=_VAL_COLOR, alpha=0.8,
                    label="val" if i == 0 else None)
            if run["val_loss"].notna().any():
                best = run.loc[run["val_loss"].idxmin(), "epoch"]
                ax.axvline(best, color="#999999", ls=":", lw=1, label="best val epoch" if i == 0 else None)
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


def plot_bpc(summary: pd.DataFrame, path: str | Path) -> None:
    """Grouped horizontal bars of mean val and test bits/char (± std over seeds), best on val on top."""
    if summary.empty:
        return plot_note(path, "no models to plot")
    df = summary.iloc[::-1]  # summarize's validation order; barh draws bottom-up: best last = on top
    y = np.arange(len(df))
    height = 0.38
    fig, ax = plt.subplots(figsize=(7.5, 1.0 + 0.65 * len(df)), layout="constrained")
    top = np.nanmax(df[["val_bpc", "test_bpc"]].to_numpy(dtype=float), initial=0.0)
    for offset, col, color, label in ((height / 2, "val_bpc", _VAL_COLOR, "val"),
                                      (-height / 2, "test_bpc", _TEST_COLOR, "test")):
        values, spread = df[col].to_numpy(dtype=float), df[f"{col}_std"].to_numpy(dtype=float)
        ax.barh(y + offset, np.nan_to_num(values), height, color=color, label=label,
                xerr=np.where(np.isnan(spread), 0, spread), error_kw={"ecolor": "#333333", "lw": 1})
        for yi, v in zip(y + offset, values):
            ax.text((0 if np.isnan(v) else v) + top * 0.02, yi, "n/a" if np.isnan(v) else f"{v:.3f}",
                    va="center", fontsize=8)
    ax.set_yticks(y, [f"{n} ({int(k)} seeds)" if k > 1 else n for n, k in zip(df["name"], df["seeds"])])
    ax.set_xlim(0, (top or 1.0) * 1.18)  # room for the value labels
    ax.set_xlabel("open-vocabulary bits per character over the same raw text (lower is better)")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Held-out bits per character (sorted by validation; bars: mean, lines: ± std over seeds)")
    save(fig, path)


def _log2_axis(ax, values) -> None:
    ax.set_xscale("log", base=2)
    ticks = sorted({int(v) for v in values if not missing(v)})
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()


def draw_context(runs: pd.DataFrame, path: str | Path) -> None:
    """Best val bits/char and training time against training seq_len, one line per arch_level."""
    if runs.empty:
        return plot_note(path, "no context-length ablation configured")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    for group, runs_of in runs.groupby("group", sort=True):  # seeds averaged, their spread as error bars
        part = runs_of.groupby("seq_len")[["val_bpc", "train_seconds"]].agg(["mean", "std"]).reset_index()
        bpc, minutes = part["val_bpc"], part["train_seconds"] / 60
        left.errorbar(part["seq_len"], bpc["mean"], yerr=bpc["std"].fillna(0), fmt="o-", capsize=3, label=group)
        right.errorbar(part["seq_len"], minutes["mean"], yerr=minutes["std"].fillna(0), fmt="o-", capsize=3,
                       label=group)
        for x, v in zip(part["seq_len"], bpc["mean"]):
            if not missing(v):
                left.annotate(f"{v:.3f}", (x, v), textcoords="offset points", xytext=(0, 6),
                              ha="center", fontsize=8)
    for ax, ylabel in ((left, "best val bits per character"), (right, "training time (minutes)")):
        _log2_axis(ax, runs["seq_len"])
        ax.set_xlabel("training context length (seq_len, tokens)")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    left.margins(y=0.15)  # headroom for the value labels
    left.legend(frameon=False)
    seeds = runs.groupby(["group", "seq_len"]).size().max()
    fig.suptitle("Context-length ablation" + (f" (mean ± std over {seeds} seeds)" if seeds > 1 else ""))
    save(fig, path)


def plot_context(dirs, path: str | Path) -> None:
    draw_context(load_context(dirs), path)


def most_common_top_k(grid: pd.DataFrame):
    """The top_k used by most rows (smallest on a tie), so every model is shown at one setting."""
    counts = grid["top_k"].value_counts()
    return min(counts[counts == counts.max()].index) if not counts.empty else None


def _decoding_panel(ax, table: pd.DataFrame, cmap: str, vmin: float, vmax: float):
    values = table.to_numpy(dtype=float)
    labels = [["–" if np.isnan(v) else f"{v:.2f}" for v in row] for row in values]
    im = heatmap(ax, values, labels, cmap, vmin, vmax)
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
                empty_panel(ax, "no rows")
                continue
            table = rows.pivot_table(index="temperature", columns="top_p", values=col,
                                     aggfunc="mean", dropna=False).sort_index().sort_index(axis=1)
            im = _decoding_panel(ax, table, cmap, vmin, vmax)
            ax.set_xlabel("top_p" if i == n - 1 else "")
            ax.set_ylabel("temperature" if j == 0 else "")
            if j == 0:
                k = "off" if top_k in (0, None) or missing(top_k) else f"{int(top_k)}"
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
