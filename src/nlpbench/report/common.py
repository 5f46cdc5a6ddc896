"""What the three reports share: readers that name the rule to rerun, cell formatters, figure helpers.

Tables are written with `core.markdown.markdown_table`, heatmaps drawn with
`core.plots.heatmap`; nothing here knows which part it serves.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from nlpbench.core.errors import InputError
from nlpbench.core.plots import plt, save

MEMORY_KIND = {"cuda_max_allocated": "GPU", "cpu_peak_rss": "CPU RSS"}


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


def require(obj: dict, keys: list[str], path: Path, rule: str) -> None:
    missing = [k for k in keys if k not in obj]
    if missing:
        raise InputError(path, f"missing key(s) {', '.join(missing)}",
                         f"rule {rule} must write them; run it again with the current code.")


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_count(n) -> str:
    if missing(n):
        return "–"
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            return f"{n / div:.3g}{suffix}"
    return f"{n:.0f}"


def fmt_seconds(s) -> str:
    if missing(s):
        return "–"
    if s < 10:  # tiny demo runs: '0.4s', not a '0s' that a ratio would then divide
        return f"{s:.1f}s"
    s = int(round(s))
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    return f"{h}h {m:02d}m" if h else f"{m}m {sec:02d}s" if m else f"{sec}s"


def fmt_float(x, digits: int = 3) -> str:
    return "–" if missing(x) else f"{x:.{digits}f}"


def params_cell(row) -> str:
    cell = fmt_count(row.params_total)
    # Only adapters train in LoRA models; say so, or the params column misleads.
    if not missing(row.params_trainable) and row.params_trainable != row.params_total:
        cell += f" ({fmt_count(row.params_trainable)} trainable)"
    return cell


def memory_cell(row) -> str:
    if missing(row.peak_memory_mb):
        return "–"
    kind = MEMORY_KIND.get(row.peak_memory_kind, row.peak_memory_kind or "")
    return f"{row.peak_memory_mb:,.0f} MB {kind}".strip()


def device_cell(row) -> str:
    """Where it ran: 'cuda:0 ×2 (NVIDIA H100 80GB HBM3)', so timings are never read across devices."""
    device = row.device if isinstance(row.device, str) and row.device else "–"
    if not missing(row.world_size) and row.world_size > 1:
        device += f" ×{int(row.world_size)}"
    name = getattr(row, "device_name", None)
    return f"{device} ({name})" if isinstance(name, str) and name else device


def plot_note(path: str | Path, text: str) -> None:
    """A small figure holding only `text`, so a Snakemake output exists when there is nothing to plot."""
    fig, ax = plt.subplots(figsize=(6, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color="#555555",
            transform=ax.transAxes, wrap=True)
    save(fig, path)


def panel_grid(n: int, max_cols: int = 3) -> tuple[int, int]:
    cols = min(max_cols, max(n, 1))
    return math.ceil(max(n, 1) / cols), cols


def empty_panel(ax, text: str) -> None:
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
