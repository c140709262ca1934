"""The verdict's sentences: a comparison's outcome and interval in words, in points
(hundredths) of the metric, with the margin; none when the classifier did not learn the task."""
# ruff: noqa: RUF001 -- the report's sentences write the multiplication sign on purpose

from __future__ import annotations

import numpy as np

from synthbalance.strategies import REGISTRY


def short(row: dict) -> str:
    """A comparison's outcome and interval in a few words, in points."""
    low, high = row["low"], row["high"]
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no interval"
    span = f"{points(low)} to {points(high)} points"
    return {
        "better": f"better by at least {100 * low:.2f} points ({span})",
        "worse": f"worse by at least {-100 * high:.2f} points ({span})",
    }.get(row["outcome"], f"{row['outcome']} ({span})")


def points(value: float) -> str:
    return f"{100 * value:+.2f}"


def words(
    metric: str, result: dict, who: str, rival: str, margin: float = 0.005, gate: dict | None = None
) -> str:
    """The comparison of ``who`` with ``rival`` in a sentence, in points (hundredths) of the
    metric: better or worse "by at least" the interval's near end when it excludes zero,
    "equivalent" when it lies within ±``margin``, otherwise "inconclusive"; and no words at
    all when the classifier did not learn the task (``gate``)."""
    gap, low, high, n = result["difference"], result["low"], result["high"], result["replicates"]
    what = metric.replace("_", " ")
    if gate is not None and not gate["learned"]:
        return (
            f"No verdict: the classifier did not learn this task. {gate['reference']} "
            f"reached test balanced accuracy {gate['mean']:.4f} (its 95% interval's lower "
            f"end, or its one score: {gate['low']:.4f}), where chance is "
            f"{gate['chance']:.4f}; below {gate['floor']:.4f} nothing here says whether "
            "rebalancing helps. Train a stronger classifier (classifier.architecture, "
            "classifier.width) or for longer (classifier.steps) first."
        )
    if n < 2:
        return (
            f"No conclusion: one replicate gives no interval over the training's "
            f"randomness. {who} against {rival} on {what}: {gap:+.4f} in this one "
            "replicate. Set replicates: 3 or more for a verdict."
        )
    if not (np.isfinite(low) and np.isfinite(high) and np.isfinite(gap)):
        return (
            f"No conclusion: {who} against {rival} on {what} has no interval (a score is "
            "missing, or the replicates did not vary at all)."
        )
    how = (
        f"the spread pooled over {result.get('pooled_over')} strategies × {n} replicates"
        if result.get("interval") == "pooled"
        else f"the paired spread over {n} replicates"
    )
    if result.get("test_sampling_sd") is not None:
        how += " and the test set's sampling"
    interval = f"95% interval {points(low)} to {points(high)} points, {how}"
    band = f"±{100 * margin:.2f} points"
    if low > 0:
        inside = f"; all of it within {band}" if high <= margin else ""
        return (
            f"{who} beat {rival} on {what}: better by at least {100 * low:.2f} points "
            f"(mean {points(gap)}; {interval}{inside})."
        )
    if high < 0:
        inside = f"; all of it within {band}" if low >= -margin else ""
        return (
            f"{who} did worse than {rival} on {what}: worse by at least {-100 * high:.2f} "
            f"points (mean {points(gap)}; {interval}{inside})."
        )
    if -margin <= low and high <= margin:
        return (
            f"{who} and {rival} are equivalent on {what} within {band}: {points(gap)} ({interval})."
        )
    needed = result.get("replicates_needed")
    if not needed:
        resolve = (
            f"no feasible number of replicates would detect a difference of {band} at this spread"
        )
    elif needed <= n:
        resolve = (
            f"{n} replicates already have 80% power against a difference of {band} at "
            "this spread, so a true difference that large is unlikely, not ruled out"
        )
    else:
        resolve = (
            f"about {needed} replicates would detect a difference of {band} at this "
            "spread (80% power)"
        )
    return (
        f"Inconclusive at {n} replicates: {who} against {rival} on {what} is somewhere "
        f"between {points(low)} and {points(high)} points (mean {points(gap)}; "
        f"{interval}); {resolve}."
    )


def family_words(
    name: str, rows: list[dict], beat_all: bool, worse: list[str], learned: bool
) -> str:
    """The verdict's sentence about one generative strategy against every simple one."""
    count = len(rows)
    if not learned:
        return f"{described(name)} against the {count} simple strategies: no conclusion (the gate)."
    if beat_all:
        return (
            f"{described(name)} beat every one of the {count} simple strategies (each 95% "
            "interval above zero)."
        )
    missed = [r["against"] for r in rows if r["outcome"] != "better"]
    said = (
        f"{described(name)} did not beat every simple strategy (not shown better than: "
        f"{', '.join(missed)})"
    )
    if worse:
        return f"{said}; it did worse than {', '.join(worse)} (Holm over the {count})."
    return f"{said}; it was not shown worse than any (Holm over the {count})."


def described(name: str) -> str:
    """How the verdict names a generative strategy: a GAN strategy the verdict judges, DeepSMOTE
    (the rival), or another generative one."""
    entry = REGISTRY[name]
    judged_gan = entry.family == "generative" and entry.in_verdict and not entry.rival
    kind = "GAN" if judged_gan else "DeepSMOTE" if name == "deepsmote" else "generative"
    return f"{kind} rebalancing ({name})"
