"""The verdict: did GAN rebalancing beat the best simple strategy, on the headline metric?

Everything random after the data is given is drawn again in each replicate, so the
replicates' scores of one strategy are independent draws of what that strategy gives on
this data. For a GAN strategy against a simple one, the verdict takes the per-replicate
paired difference (same replicate, same upstream draws where they share any), its mean, and a
95% t-interval over the replicates (R - 1 degrees of freedom): an interval that holds the
training's randomness, not only the test images'. The best simple strategy is the one with the
highest mean *validation* score of the metric: chosen on the test set, the largest of several
noisy scores would sit above its true value and flatter a negative verdict.

The non-GAN generative rival (``deepsmote``) is set against the best simple strategy like
the GAN strategies, and each GAN strategy is also set against it: did the GAN beat the
best-known generative oversampler that is not a GAN?

Beside the headline comparison, a table holds each generative strategy against every simple
strategy, with a paired t-test's p-value and the Holm-adjusted one (over all the table's
pairs).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from synthbalance.results import StrategyResult
from synthbalance.strategies import REGISTRY, of_family

# The candidates for "the best simple strategy", the GAN strategies set against it, and the
# non-GAN generative rivals set against it and against each GAN strategy.
SIMPLE = tuple(of_family("baseline", "simple"))
_JUDGED = [name for name in of_family("generative") if REGISTRY[name].in_verdict]
GAN = tuple(name for name in _JUDGED if not REGISTRY[name].rival)
RIVAL = tuple(name for name in _JUDGED if REGISTRY[name].rival)
LEVEL = 0.95
_MOST = 10_000  # the largest replicate count replicates_needed reports


def replicates_needed(mean: float, std: float, level: float = LEVEL) -> int | None:
    """The fewest replicates (>= 2) whose t-interval would exclude zero, were the mean and the
    spread (standard deviation of one replicate's difference) what was observed; None when
    the mean is zero or unknown, or more than 10,000 would be needed."""
    if not np.isfinite(mean) or mean == 0 or not np.isfinite(std):
        return None
    n = np.arange(2, _MOST + 1)
    resolved = np.flatnonzero(stats.t.ppf((1 + level) / 2, n - 1) * std / np.sqrt(n) < abs(mean))
    return int(n[resolved[0]]) if len(resolved) else None


def paired(ours: list[float], theirs: list[float], level: float = LEVEL) -> dict:
    """Ours minus theirs, replicate by replicate: the mean, its t-interval, the paired
    t-test's two-sided p-value and how many replicates would resolve it (NaN / None with one
    replicate)."""
    if len(ours) != len(theirs) or not ours:
        raise ValueError(
            f"a paired comparison needs the same replicates on both sides, got {len(ours)} "
            f"and {len(theirs)} scores"
        )
    gaps = np.asarray(ours, float) - np.asarray(theirs, float)
    n, mean = len(gaps), float(gaps.mean())
    result = {"difference": mean, "per_replicate": [round(float(g), 6) for g in gaps],
              "replicates": n}  # fmt: skip
    if n < 2:
        nan = float("nan")
        return result | {"std": nan, "low": nan, "high": nan, "p_value": nan,
                         "replicates_needed": None}  # fmt: skip
    std = float(gaps.std(ddof=1))
    half = float(stats.t.ppf((1 + level) / 2, n - 1) * std / math.sqrt(n))
    if std > 0:
        p = float(2 * stats.t.sf(abs(mean) / (std / math.sqrt(n)), n - 1))
    else:
        p = 1.0 if mean == 0 else 0.0
    return result | {"std": std, "low": mean - half, "high": mean + half, "p_value": p,
                     "replicates_needed": replicates_needed(mean, std, level)}  # fmt: skip


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment: controls the chance of any false "beat" in the family."""
    order = np.argsort(p_values)
    adjusted, running = [float("nan")] * len(p_values), 0.0
    for rank, index in enumerate(order):
        p = p_values[index]
        if np.isnan(p):
            continue
        running = max(running, min(1.0, (len(p_values) - rank) * p))
        adjusted[index] = running
    return adjusted


def verdict(results: dict[str, StrategyResult], metric: str) -> dict:
    """Each GAN strategy (then each rival) against the best simple one (by mean validation
    ``metric``), in numbers and in words; each GAN strategy against each rival; and each of
    them against every simple one (Holm)."""
    simple = [s for s in SIMPLE if s in results]
    gans = [s for s in GAN if s in results]
    rivals = [s for s in RIVAL if s in results]
    replicates = min((len(r.runs) for r in results.values()), default=0)
    found = {"metric": metric, "replicates": replicates, "level": LEVEL,
             "best_simple_selected_on": "validation"}  # fmt: skip
    if not simple or not gans:
        missing = "no GAN strategy" if not gans else "no simple strategy"
        return found | {"sentence": f"No verdict: this run has {missing} (strategies.run).",
                        "best_simple": None, "comparisons": [], "against_rival": [],
                        "pairs": []}  # fmt: skip
    test, val = f"test_{metric}", f"val_{metric}"
    chosen_by = {s: float(np.mean(results[s].scores(val))) for s in simple}
    best = max(simple, key=lambda s: chosen_by[s])  # ties: the first in the registry's order

    def compare(name: str, other: str, who: str) -> dict:
        result = paired(results[name].scores(test), results[other].scores(test))
        return {"strategy": name, "against": other, **result,
                "words": words(metric, result, _who(name), who)}  # fmt: skip

    comparisons = [compare(name, best, f"the best simple strategy ({best})")
                   for name in gans + rivals]  # fmt: skip
    against_rival = [compare(name, rival, f"the non-GAN generative rival ({rival})")
                     for name in gans for rival in rivals]  # fmt: skip
    pairs = [{"strategy": g, "against": s, **paired(results[g].scores(test),
                                                    results[s].scores(test))}
             for g in gans + rivals for s in simple]  # fmt: skip
    for pair, adjusted in zip(pairs, holm([p["p_value"] for p in pairs]), strict=True):
        pair["p_holm"] = adjusted
    return found | {"sentence": comparisons[0]["words"], "best_simple": best,
                    "validation_scores": chosen_by, "comparisons": comparisons,
                    "against_rival": against_rival, "pairs": pairs}  # fmt: skip


def _who(name: str) -> str:
    kind = "GAN" if name in GAN else "DeepSMOTE" if name == "deepsmote" else "generative"
    return f"{kind} rebalancing ({name})"


def words(metric: str, result: dict, who: str, rival: str) -> str:
    """The comparison of ``who`` with ``rival`` in a sentence: "beat" or "did worse than"
    only when the interval excludes zero."""
    gap, low, high, n = result["difference"], result["low"], result["high"], result["replicates"]
    what = metric.replace("_", " ")
    if n < 2:
        return (f"No conclusion: one replicate gives no interval over the training's "
                f"randomness. {who} against {rival} on {what}: {gap:+.4f} in this one "
                "replicate. Set replicates: 3 or more for a verdict.")  # fmt: skip
    interval = f"95% interval {low:+.4f} to {high:+.4f} over {n} replicates"
    if low > 0:
        return f"{who} beat {rival} on {what} by {gap:.4f} ({interval})."
    if high < 0:
        return f"{who} did worse than {rival} on {what}, by {-gap:.4f} ({interval})."
    needed = result["replicates_needed"]
    if needed is not None:
        resolve = f"about {needed} replicates would resolve a difference this size at this spread"
    else:
        resolve = "no feasible number of replicates would resolve a difference this small"
    return (f"No clear difference at {n} replicates: {who} against {rival} on {what}, "
            f"{gap:+.4f} ({interval}, which holds zero); {resolve}.")  # fmt: skip
