"""One strategy against another over replicates: the difference, its interval, its outcome.

The interval's spread is the residual variance pooled over the verdict's strategies ×
replicates ((S - 1)(R - 1) degrees of freedom) when their spreads are alike and the pair's
own paired spread is not larger than the pool's (an F-test at 25%: Bartlett's pre-test on
leave-one-out rows misses one noisy strategy often at three replicates); else (or for a pair
outside the pool) the pair's own paired spread (R - 1): exact for that pair whatever the
others' noise. In balanced accuracy, with the test set's labels and the stored predictions,
the test set's own sampling is added (``statistics.test_sampling_variance``), at the
replicates' degrees of freedom: conservative (Welch-Satterthwaite would count the test set's
part as known and narrow the interval below the replicates' own at three replicates, where
its approximation is least to be trusted).
"""
# ruff: noqa: RUF002 -- the docstrings' multiplication signs are meant

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from synthbalance.core.results import StrategyResult
from synthbalance.core.statistics import pooled_spread, replicates_for_power, test_sampling_variance

LEVEL = 0.95
POOL_CHECK = 0.25  # the F-test's level: a pair noisier than the pool keeps its own spread


def paired(ours: list[float], theirs: list[float], level: float = LEVEL) -> dict:
    """Ours minus theirs, replicate by replicate: the mean, its t-interval (R - 1 degrees of
    freedom), the paired t-test's two-sided p-value (NaN with one replicate)."""
    if len(ours) != len(theirs) or not ours:
        raise ValueError(
            f"a paired comparison needs the same replicates on both sides, got {len(ours)} "
            f"and {len(theirs)} scores"
        )
    gaps = np.asarray(ours, float) - np.asarray(theirs, float)
    n, mean = len(gaps), float(gaps.mean())
    result = {
        "difference": mean,
        "per_replicate": [round(float(g), 6) for g in gaps],
        "replicates": n,
    }
    if n < 2:
        nan = float("nan")
        return result | {"std": nan, "low": nan, "high": nan, "p_value": nan, "df": 0, "error": nan}
    std = float(gaps.std(ddof=1))
    return result | t_test(mean, std / math.sqrt(n), n - 1, level) | {"std": std}


def t_test(mean: float, error: float, df: float, level: float = LEVEL) -> dict:
    """The ``level`` interval and two-sided p-value of ``mean`` at standard error ``error``
    and ``df`` degrees of freedom (NaN where ``error`` is zero: no spread, no interval)."""
    if not error > 0:
        nan = float("nan")
        return {"low": nan, "high": nan, "p_value": nan, "df": df, "error": error}
    half = float(stats.t.ppf((1 + level) / 2, df) * error)
    return {
        "low": mean - half,
        "high": mean + half,
        "df": df,
        "error": error,
        "p_value": float(2 * stats.t.sf(abs(mean) / error, df)),
    }


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment: controls the chance of any false claim in the family."""
    order = np.argsort(p_values)
    adjusted, running = [float("nan")] * len(p_values), 0.0
    for rank, index in enumerate(order):
        p = p_values[index]
        if np.isnan(p):
            continue
        running = max(running, min(1.0, (len(p_values) - rank) * p))
        adjusted[index] = running
    return adjusted


class Comparer:
    """Compares strategies of ``results`` on ``test`` (``test_<metric>``) over the replicates
    every strategy has, with the spread pooled over ``pooled`` strategies."""

    def __init__(
        self,
        results: dict[str, StrategyResult],
        test: str,
        pooled: list[str],
        margin: float,
        labels=None,
    ) -> None:
        self.results, self.test, self.margin, self.labels = results, test, margin, labels
        self.replicates = min(len(r.runs) for r in results.values())
        names = list(dict.fromkeys(pooled))
        self.pool = (
            pooled_spread({n: self.scores(n) for n in names})
            if len(names) > 1 and self.replicates > 1
            else None
        )

    def scores(self, name: str) -> list[float]:
        return self.results[name].scores(self.test)[: self.replicates]

    def compare(self, name: str, other: str) -> dict:
        """``name`` minus ``other``: the paired figures, the interval the words use (and its
        kind), the replicates 80% power against the margin would need."""
        own = paired(self.scores(name), self.scores(other))
        result = (
            own | self._spread(own, name, other) | {"own_low": own["low"], "own_high": own["high"]}
        )
        floor = 0.0
        if self.labels is not None and self.test == "test_balanced_accuracy" and own["df"]:
            floor = self._test_sampling(name, other)
            if floor is not None:
                error = math.sqrt(result["error"] ** 2 + floor)
                result |= t_test(own["difference"], error, result["df"])
            result["test_sampling_sd"] = None if floor is None else math.sqrt(floor)
        result["replicates_needed"] = self._needed(result, floor or 0.0)
        return result

    def _spread(self, own: dict, name: str, other: str) -> dict:
        pool, n = self.pool, own["replicates"]
        if pool is None or not {name, other} <= set(pool["strategies"]) or n < 2:
            return {"interval": "paired", "spread": own["std"]}
        spread = math.sqrt(2 * pool["variance"])  # one replicate's difference
        noisier = stats.f.ppf(1 - POOL_CHECK, n - 1, pool["df"]) * spread**2
        if not pool["alike"] or not own["std"] ** 2 <= noisier:
            return {"interval": "paired", "spread": own["std"]}
        return t_test(own["difference"], spread / math.sqrt(n), pool["df"]) | {
            "interval": "pooled",
            "spread": spread,
            "pooled_over": len(pool["strategies"]),
        }

    def _test_sampling(self, name: str, other: str) -> float | None:
        predicted = [
            [r.predicted for r in sorted(self.results[s].runs, key=lambda r: r.replicate)][
                : self.replicates
            ]
            for s in (name, other)
        ]
        if any(len(p) != len(self.labels) for runs in predicted for p in runs):
            return None
        return test_sampling_variance(self.labels, *predicted)

    def _needed(self, result: dict, floor: float) -> int | None:
        """Replicates for 80% power to detect a difference of the margin at this spread."""
        kind, spread = result["interval"], result["spread"]
        if kind == "pooled":
            strategies = len(self.pool["strategies"])
            return replicates_for_power(
                self.margin, spread, lambda n: (strategies - 1) * (n - 1), floor=floor
            )
        return replicates_for_power(self.margin, spread, lambda n: n - 1, floor=floor)


def outcome(result: dict, margin: float, learned: bool = True) -> str:
    """ "better", "worse", "equivalent" (the interval within ±margin), "inconclusive", "no
    conclusion" (no interval) or "not learned" (the gate)."""
    if not learned:
        return "not learned"
    low, high = result["low"], result["high"]
    if not (np.isfinite(low) and np.isfinite(high) and np.isfinite(result["difference"])):
        return "no conclusion"
    if low > 0:
        return "better"
    if high < 0:
        return "worse"
    return "equivalent" if -margin <= low and high <= margin else "inconclusive"
