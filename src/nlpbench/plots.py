"""Figures for the report: matplotlib without a display, saved atomically."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on cluster nodes
import matplotlib.pyplot as plt  # noqa: E402

from .io import atomic_path  # noqa: E402


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
