"""The verdict: did GAN rebalancing beat the best simple strategy on minority F1?

The difference of two strategies' minority F1 on one test set, with a 95% interval from a
paired, two-level bootstrap: each replicate draws the classifier seeds with replacement, then
the test images with replacement, and scores both strategies' predictions of the same drawn
images — so the interval holds the test set's sampling error and, with several seeds, the
training's randomness. With one seed it holds only the first; the verdict says so.
"""

from __future__ import annotations

import numpy as np

from synthbalance.strategies import REGISTRY, of_family

# The candidates for "the best simple strategy", and the GAN strategies set against it.
SIMPLE = tuple(of_family("baseline", "simple"))
GAN = tuple(name for name in of_family("generative") if REGISTRY[name].in_verdict)
REPLICATES = 2000


def minority_f1(labels: np.ndarray, predicted: np.ndarray, rare: list[int]) -> np.ndarray:
    """Mean F1 over the rare classes, for each row of ``predicted`` (replicates by images)
    against the matching row of ``labels``; 0 for a class never predicted nor present."""
    scores = []
    for c in rare:
        truth, guess = labels == c, predicted == c
        tp = (truth & guess).sum(axis=-1)
        denominator = truth.sum(axis=-1) + guess.sum(axis=-1)
        scores.append(np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0))
    return np.mean(scores, axis=0)


def difference(labels, ours: dict, theirs: dict, rare: list[int], seed: int) -> dict:
    """Minority F1 of ``ours`` minus ``theirs`` (each {seed: predicted labels}) with its 95%
    bootstrap interval."""
    seeds = sorted(set(ours) & set(theirs))
    if not seeds:
        raise ValueError("the two strategies share no classifier seed to compare")
    mine = np.stack([np.asarray(ours[s]) for s in seeds])
    other = np.stack([np.asarray(theirs[s]) for s in seeds])
    rng = np.random.default_rng(seed)
    estimate = float(np.mean(minority_f1(labels, mine, rare) - minority_f1(labels, other, rare)))
    draws = np.empty(REPLICATES)
    for start in range(0, REPLICATES, 100):  # 100 replicates at a time: bounded memory
        n = min(100, REPLICATES - start)
        picked = rng.integers(0, len(seeds), size=(n, len(seeds)))
        images = rng.integers(0, len(labels), size=(n, len(labels)))
        truth = np.asarray(labels)[images]
        gaps = [
            minority_f1(truth, mine[picked[:, k, None], images], rare)
            - minority_f1(truth, other[picked[:, k, None], images], rare)
            for k in range(len(seeds))
        ]
        draws[start : start + n] = np.mean(gaps, axis=0)
    low, high = np.percentile(draws, [2.5, 97.5])
    return {"difference": estimate, "low": float(low), "high": float(high), "seeds": len(seeds)}


def verdict(labels, predictions: dict[str, dict], comparison, rare: list[int], seed: int) -> dict:
    """Each GAN strategy run against the best simple one (by mean test minority F1), in
    numbers and in words."""
    f1 = dict(zip(comparison["strategy"], comparison["test_minority_f1_mean"], strict=True))
    simple = [s for s in SIMPLE if s in predictions]
    gans = [s for s in GAN if s in predictions]
    if not simple or not gans:
        missing = "no GAN strategy" if not gans else "no simple strategy"
        return {"sentence": f"No verdict: this run has {missing} (strategies.run).",
                "comparisons": []}  # fmt: skip
    best = max(simple, key=lambda s: f1[s])
    comparisons = []
    for name in gans:
        result = difference(labels, predictions[name], predictions[best], rare, seed)
        comparisons.append({"strategy": name, "against": best, **result,
                            "sentence": _sentence(name, best, result)})  # fmt: skip
    return {"sentence": comparisons[0]["sentence"], "best_simple": best,
            "comparisons": comparisons}  # fmt: skip


def _sentence(name: str, best: str, result: dict) -> str:
    gap, low, high = result["difference"], result["low"], result["high"]
    half = (high - low) / 2
    who = f"GAN rebalancing ({name})"
    rival = f"the best simple strategy ({best})"
    interval = f"95% interval {low:+.4f} to {high:+.4f}"
    if low > 0:
        return f"{who} beat {rival} on minority F1 by {gap:.4f} ± {half:.4f} ({interval})."
    if high < 0:
        return (f"{who} did not beat {rival}: its minority F1 was lower by {-gap:.4f} ± "
                f"{half:.4f} ({interval}).")  # fmt: skip
    return (f"No clear difference: {who} against {rival} on minority F1, {gap:+.4f} ± "
            f"{half:.4f} ({interval}, which holds zero).")  # fmt: skip
