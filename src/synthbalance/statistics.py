"""Means and t-intervals over replicates (or subsamples): what every table's ± rests on."""

from __future__ import annotations

import numpy as np
from scipy import stats


def t_interval(values: list[float], level: float = 0.95) -> dict[str, float]:
    """Mean, standard deviation (n - 1) and the ``level`` t-interval (n - 1 degrees of
    freedom) of ``values``; NaN where one value gives none."""
    n, mean = len(values), float(np.mean(values))
    if n < 2:
        return {"mean": mean, "std": float("nan"), "low": float("nan"), "high": float("nan")}
    std = float(np.std(values, ddof=1))
    half = float(stats.t.ppf((1 + level) / 2, n - 1) * std / np.sqrt(n))
    return {"mean": mean, "std": std, "low": mean - half, "high": mean + half}


def interval_text(row, metric: str) -> str:
    """``mean [low, high]`` of a table row's ``<metric>_mean|low|high``; the mean alone
    without an interval."""
    mean, low, high = row[f"{metric}_mean"], row[f"{metric}_low"], row[f"{metric}_high"]
    return f"{mean:.4f}" if np.isnan(low) else f"{mean:.4f} [{low:.4f}, {high:.4f}]"
