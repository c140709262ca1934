"""Means and intervals over replicates (or subsamples): what every table's ± rests on.

``t_interval``: a mean and its t-interval. ``bounded_interval``: the same for a score in
[0, 1], computed on the logit scale and mapped back, so that it never leaves [0, 1].
``pooled_spread``: strategies × replicates as blocks, the residual variance pooled over the
strategies, and whether their spreads are alike enough to pool. ``test_sampling_variance``:
what drawing the test set again would add to a difference of balanced accuracies.
``replicates_for_power``: how many replicates a comparison needs to detect a given
difference.
"""
# ruff: noqa: RUF002 -- the docstrings' multiplication signs are meant

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import expit, logit

_EDGE = 1e-4  # a score of exactly 0 or 1 is taken as this far inside, for its logit
_MOST = 1000  # the largest replicate count replicates_for_power reports


def t_interval(values: list[float], level: float = 0.95) -> dict[str, float]:
    """Mean, standard deviation (n - 1) and the ``level`` t-interval (n - 1 degrees of
    freedom) of ``values``; NaN where one value gives none."""
    n, mean = len(values), float(np.mean(values))
    if n < 2:
        return {"mean": mean, "std": float("nan"), "low": float("nan"), "high": float("nan")}
    std = float(np.std(values, ddof=1))
    half = float(stats.t.ppf((1 + level) / 2, n - 1) * std / np.sqrt(n))
    return {"mean": mean, "std": std, "low": mean - half, "high": mean + half}


def bounded_interval(values: list[float], level: float = 0.95) -> dict[str, float]:
    """``t_interval`` for scores in [0, 1]: the mean and standard deviation of the scores, and
    the t-interval of their logits mapped back, which stays inside (0, 1) however few and
    however near an edge the scores are (a plain t-interval of 0.99, 0.95, 0.99 reaches
    1.03). Its centre is the back-mapped mean logit, near the mean; it is widened, where it
    must be, to hold the mean, and is the mean itself when every score is the same."""
    summary = t_interval(values, level)
    if len(values) < 2:
        return summary
    if np.ptp(values) == 0:
        return summary | {"low": summary["mean"], "high": summary["mean"]}
    on_logits = t_interval(list(logit(np.clip(values, _EDGE, 1 - _EDGE))), level)
    return summary | {
        "low": min(float(expit(on_logits["low"])), summary["mean"]),
        "high": max(float(expit(on_logits["high"])), summary["mean"]),
    }


def pooled_spread(scores: dict[str, list[float]], level: float = 0.25) -> dict:
    """Strategies × replicates as blocks (a score = strategy effect + replicate effect +
    noise). Returned: the residual variance pooled over the strategies, with (S - 1)(R - 1)
    degrees of freedom; Bartlett's test that the strategies' noise is alike, on each
    strategy's scores less the mean of the other strategies in the same replicate (which takes
    the replicate effect out), and the SD of those (``std_each``).
    ``alike`` is False when Bartlett rejects at ``level`` (a preliminary test for pooling, at
    25% as is usual: at three replicates it has little power, and a pooled spread would
    understate a noisier strategy's), or when it cannot be tested (a strategy with no spread,
    or only two strategies)."""
    names = list(scores)
    table = np.array([scores[name] for name in names], float)  # (S, R)
    count, replicates = table.shape
    if count < 2 or replicates < 2:
        raise ValueError(
            f"pooling needs at least 2 strategies and 2 replicates, got {count} and {replicates}"
        )
    residual = (
        table - table.mean(axis=1, keepdims=True) - table.mean(axis=0, keepdims=True) + table.mean()
    )
    df = (count - 1) * (replicates - 1)
    variance = float((residual**2).sum() / df)
    others = (table.sum(axis=0, keepdims=True) - table) / (count - 1)
    left_out = table - others  # the replicate effect cancels
    if count > 2 and np.all(np.ptp(left_out, axis=1) > 0):
        p_value = float(stats.bartlett(*left_out).pvalue)
    else:
        p_value = float("nan")
    return {
        "variance": variance,
        "std": float(np.sqrt(variance)),
        "df": df,
        "strategies": names,
        "replicates": replicates,
        "std_each": dict(zip(names, left_out.std(axis=1, ddof=1).tolist(), strict=True)),
        "bartlett_p": p_value,
        "alike": bool(np.isfinite(p_value) and p_value >= level),
    }


def test_sampling_variance(labels, ours: list[list[int]], theirs: list[list[int]]) -> float:
    """The variance of the mean (over replicates) difference in balanced accuracy of two
    strategies' predictions (one list of predicted labels per replicate, the test set's
    order) over class-stratified bootstrap resamples of the test set, the same resample for
    both, less the part the replicates' own spread already holds: the test set's own
    sampling, which the replicates' interval leaves out.

    No resampling: balanced accuracy is the mean over classes of each class's mean
    correctness, linear in each image's bootstrap weight, so the bootstrap variance is the
    sum over classes of the within-class variance of each image's difference in correctness
    (averaged over the replicates) over the class's count, over the classes' count squared.
    Each image's difference also varies between replicates; that part (its variance over
    the replicates over R, averaged in the class) is taken out, as the replicates' interval
    counts it (floored at zero)."""
    labels = np.asarray(labels)
    if np.shape(ours) != np.shape(theirs) or np.shape(ours)[-1] != len(labels):
        raise ValueError(
            f"the predictions must be one per test image ({len(labels)}) on both sides, got "
            f"shapes {np.shape(ours)} and {np.shape(theirs)}"
        )
    gaps = (np.asarray(ours) == labels).astype(float) - (np.asarray(theirs) == labels)
    delta, replicates = gaps.mean(axis=0), gaps.shape[0]
    noise = gaps.var(axis=0, ddof=1) / replicates if replicates > 1 else np.zeros(len(labels))
    classes = np.unique(labels)
    within = [
        max(delta[labels == c].var() - noise[labels == c].mean(), 0.0) / np.sum(labels == c)
        for c in classes
    ]
    return float(sum(within) / len(classes) ** 2)


def replicates_for_power(
    difference: float,
    spread: float,
    df_of,
    power: float = 0.8,
    level: float = 0.95,
    floor: float = 0.0,
) -> int | None:
    """The fewest replicates n (>= 2) whose two-sided t-test at ``level`` detects a true
    ``difference`` with ``power``, where one replicate's difference has standard deviation
    ``spread``, ``floor`` is a variance more replicates do not shrink (the test set's
    sampling) and ``df_of(n)`` is the test's degrees of freedom at n replicates (n - 1 for a
    paired test; (S - 1)(n - 1) pooled); None beyond 1,000, or when unknown."""
    if not (np.isfinite(difference) and np.isfinite(spread)) or difference == 0:
        return None
    n = np.arange(2, _MOST + 1)  # every candidate at once: scipy's ufuncs, not 999 calls
    df = np.array([df_of(k) for k in n], dtype=float)
    critical = stats.t.ppf((1 + level) / 2, df)
    shift = abs(difference) / np.maximum(np.sqrt(spread**2 / n + floor), 1e-12)
    reached = stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift) >= power
    return int(n[reached.argmax()]) if reached.any() else None


def interval_text(row, metric: str, values: list[float] | None = None) -> str:
    """``mean [low, high]`` of a table row's ``<metric>_mean|low|high``; the mean alone
    without an interval; ``values`` (each replicate's) after it, when given."""
    mean, low, high = row[f"{metric}_mean"], row[f"{metric}_low"], row[f"{metric}_high"]
    text = f"{mean:.4f}" if np.isnan(low) else f"{mean:.4f} [{low:.4f}, {high:.4f}]"
    return text if not values else f"{text} ({', '.join(f'{v:.4f}' for v in values)})"
