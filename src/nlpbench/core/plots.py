"""Figures for the report: matplotlib without a display, saved atomically."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # no display on cluster nodes
import matplotlib.pyplot as plt  # noqa: E402

from nlpbench.core.io import atomic_path  # noqa: E402


def save(fig, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png", dpi=120, bbox_inches="tight")
    plt.close(fig)


def length_histogram(songs: list[str], path: str | Path, title: str = "Song lengths") -> None:
    """Two panels: characters and lines per song, with the median marked."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, values, unit in ((axes[0], [len(s) for s in songs], "characters"),
                             (axes[1], [s.count("\n") + 1 for s in songs], "lines")):
        ax.hist(values, bins=min(40, max(5, len(values) // 3)), color="#4c72b0", edgecolor="white")
        median = sorted(values)[len(values) // 2]
        ax.axvline(median, color="#c44e52", linestyle="--", label=f"median {median}")
        ax.set_xlabel(f"{unit} per song")
        ax.set_ylabel("songs")
        ax.legend(frameon=False)
    fig.suptitle(f"{title} (n={len(songs)})")
    save(fig, path)


def heatmap(ax, values: np.ndarray, labels, cmap: str, vmin: float, vmax: float, fontsize: float = 9):
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
