"""Noise carried by every claim: mean ± std over training seeds, paired bootstrap intervals of differences.

Two models scored on the same held-out items (reviews, songs) are compared
on each bootstrap resample of those items, so what they get right or wrong
together cancels; when a model was trained with several seeds its per-item
scores are averaged over them first. A difference whose 95% interval holds 0
is one the test split cannot tell apart from no difference.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

BOOTSTRAP_RESAMPLES = 2000


def resample_rows(n: int, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> np.ndarray:
    """[resamples, n] row indices drawn with replacement; seeded, so every model gets the same resamples."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def interval(values: np.ndarray) -> list[float]:
    """The 95% percentile interval of bootstrap values."""
    return [float(q) for q in np.percentile(values, [2.5, 97.5])]


def holds_zero(ci) -> bool:
    return ci[0] <= 0 <= ci[1]


def paired_bpc_difference(nll_a, nll_b, chars, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict:
    """Bits per character of A minus B over the same songs, with a paired 95% bootstrap interval over songs.

    `nll_a` and `nll_b` are per-song NLL in nats, [songs] or [seeds, songs]
    (averaged over seeds first); `chars` the characters of each song. Each
    resample draws songs, and both models' bits per character are computed
    over the characters of the drawn songs.
    """
    a, b = np.atleast_2d(nll_a).mean(0), np.atleast_2d(nll_b).mean(0)
    chars = np.asarray(chars, dtype=float)
    diff = a - b
    rows = resample_rows(len(chars), resamples, seed)
    boot = diff[rows].sum(1) / (chars[rows].sum(1) * math.log(2))
    return {"difference": float(diff.sum() / (chars.sum() * math.log(2))), "ci95": interval(boot),
            "items": len(chars)}


def seed_stats(frame: pd.DataFrame, by: str, columns: list[str]) -> pd.DataFrame:
    """Per `by` value (in first-seen order): `seeds` and, for each column, its mean and std over the rows.

    std is the sample standard deviation (ddof 1): NaN for a single seed, so
    a report shows no spread rather than a spread of 0.
    """
    groups = frame.groupby(by, sort=False)
    out = pd.DataFrame({"seeds": groups.size()})
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce").groupby(frame[by], sort=False)
        out[col] = values.mean()
        out[f"{col}_std"] = values.std(ddof=1)
    return out.reset_index()


def fmt_mean_std(mean, std, digits: int = 3) -> str:
    """'0.512 ± 0.007', or '0.512' when there is no spread to show (one seed); '–' when missing."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–"
    if std is None or (isinstance(std, float) and math.isnan(std)):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def fmt_difference(diff: float, ci, digits: int = 3) -> str:
    """'+0.021 [-0.010, +0.052]'."""
    return f"{diff:+.{digits}f} [{ci[0]:+.{digits}f}, {ci[1]:+.{digits}f}]"
