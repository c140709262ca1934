"""The verdict: did GAN rebalancing beat the best simple strategy, on the headline metric?

Everything random after the data is given is drawn again in each replicate, so the
replicates' scores of one strategy are independent draws of what that strategy gives on
this data.

- **A gate first.** When the classifier trained on every real image (``oracle``; else the
  best strategy) is not clearly above chance in balanced accuracy (its interval's lower end
  under chance + 10% of the way to 1), the classifier did not learn the task and no
  comparison is put in words.
- **The baseline, chosen on validation.** The best simple strategy is the one with the highest
  mean *validation* score: chosen on the test set, the largest of several noisy scores would
  flatter a negative verdict. Validation scores within one rare validation image of the best
  (the step one image of the rarest class makes in the metric) are a tie: validation cannot
  tell them apart, so each GAN strategy is compared with every tied one.
- **A pooled analysis.** The strategies of the headline (the baseline(s), the GAN strategies,
  the non-GAN rival) × replicates are blocks: the residual variance is pooled over them, so
  each difference's t-interval has (S - 1)(R - 1) degrees of freedom instead of R - 1. When
  Bartlett's test says their spreads differ, each comparison falls back on its own pair's
  paired spread (R - 1), and the verdict says so.
- **Words with a margin** (``verdict.margin``): "better by at least X" or "worse by at least
  X" when the interval excludes zero, "equivalent within ±margin" when it lies inside the
  margin, otherwise "inconclusive: somewhere between A and B", with the replicates that 80%
  power against the margin would need at this spread.
- **Claims that match the question.** A generative strategy "beat the simple fixes" only when
  it beat each simple strategy (an intersection-union test, each paired interval at 95%);
  which simple strategies it did worse than is said after Holm's adjustment over the simple
  strategies, per generative strategy.

The non-GAN generative rival (``deepsmote``) is set against the baseline like the GAN
strategies, and each GAN strategy is also set against it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from synthbalance.results import StrategyResult
from synthbalance.statistics import (
    bounded_interval,
    pooled_spread,
    replicates_for_power,
    test_sampling_variance,
)
from synthbalance.strategies import REGISTRY, of_family

# The candidates for "the best simple strategy", the GAN strategies set against it, and the
# non-GAN generative rivals set against it and against each GAN strategy.
SIMPLE = tuple(of_family("baseline", "simple"))
_JUDGED = [name for name in of_family("generative") if REGISTRY[name].in_verdict]
GAN = tuple(name for name in _JUDGED if not REGISTRY[name].rival)
RIVAL = tuple(name for name in _JUDGED if REGISTRY[name].rival)
LEVEL = 0.95
LEARNED = 0.1  # the gate: the reference's lower end must pass chance + this share of 1 - chance
FEW_RARE = 20  # fewer rare validation images than this: a choice on validation is said to be weak
_NOT_LEARNED = "not learned"


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
    result = {"difference": mean, "per_replicate": [round(float(g), 6) for g in gaps],
              "replicates": n}  # fmt: skip
    if n < 2:
        nan = float("nan")
        return result | {"std": nan, "low": nan, "high": nan, "p_value": nan, "df": 0,
                         "error": nan}
    std = float(gaps.std(ddof=1))
    return result | _t_test(mean, std / math.sqrt(n), n - 1, level) | {"std": std}


def _t_test(mean: float, error: float, df: int, level: float) -> dict:
    half = float(stats.t.ppf((1 + level) / 2, df) * error)
    if error > 0:
        p = float(2 * stats.t.sf(abs(mean) / error, df))
    else:
        p = 1.0 if mean == 0 else 0.0
    return {"low": mean - half, "high": mean + half, "p_value": p, "df": df, "error": error}


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


def verdict(results: dict[str, StrategyResult], metric: str, margin: float = 0.005,
            classes: int | None = None, rare_validation: dict[str, int] | None = None,
            labels=None) -> dict:  # fmt: skip
    """Each GAN strategy (then each rival) against the best simple one (by mean validation
    ``metric``), in numbers and in words; each GAN strategy against each rival; each of them
    against every simple one (Holm per strategy) and whether it beat them all.

    ``classes``: the task's class count, for the gate (None: no gate); ``rare_validation``:
    each rare class's validation images, for the ties and the warnings (None: no ties);
    ``labels``: the test set's, to add the test set's own sampling to each comparison's
    interval in balanced accuracy (None, or another metric: the replicates' spread alone)."""
    simple = [s for s in SIMPLE if s in results]
    gans = [s for s in GAN if s in results]
    rivals = [s for s in RIVAL if s in results]
    replicates = min((len(r.runs) for r in results.values()), default=0)
    found = {"metric": metric, "replicates": replicates, "level": LEVEL, "margin": margin,
             "best_simple_selected_on": "validation",
             "rare_validation": rare_validation}  # fmt: skip
    if not simple or not gans:
        missing = "no GAN strategy" if not gans else "no simple strategy"
        return found | {"sentence": f"No verdict: this run has {missing} (strategies.run).",
                        "best_simple": None, "comparisons": [], "against_rival": [],
                        "pairs": [], "families": []}  # fmt: skip
    test, val = f"test_{metric}", f"val_{metric}"
    chosen_by = {s: float(np.mean(results[s].scores(val))) for s in simple}
    step = _one_rare_image(metric, classes, rare_validation)
    top = max(chosen_by.values())
    tied = [s for s in simple if top - chosen_by[s] < step] if step else [
        max(simple, key=lambda s: chosen_by[s])]  # ties without counts: the registry's order
    gate = _gate(results, classes)
    pool = _pool(results, test, tied + gans + rivals)

    def compare(name: str, other: str, who: str) -> dict:
        ours, theirs = results[name].scores(test), results[other].scores(test)
        own = paired(ours, theirs)
        result = own | _pooled(own, pool, name, other) | {"own_low": own["low"],
                                                           "own_high": own["high"]}  # fmt: skip
        if metric == "balanced_accuracy" and labels is not None and replicates > 1:
            result |= _with_test_sampling(result, results[name], results[other], labels)
        result["replicates_needed"] = _needed(result, pool, margin, replicates)
        result["outcome"] = _outcome(result, margin, gate)
        return {"strategy": name, "against": other, **result,
                "words": words(metric, result, _who(name), who, margin, gate)}  # fmt: skip

    baseline = {s: (f"the best simple strategy ({s})" if len(tied) == 1 else
                    f"{s} (tied best simple strategy on validation)") for s in tied}  # fmt: skip
    comparisons = [compare(name, s, baseline[s]) for name in gans + rivals for s in tied]
    against_rival = [compare(name, rival, f"the non-GAN generative rival ({rival})")
                     for name in gans for rival in rivals]  # fmt: skip
    pairs, families = _families(results, test, gans + rivals, simple)
    sentence = comparisons[0]["words"]
    if len(tied) > 1:
        sentence = (f"Validation cannot choose the best simple strategy: {', '.join(tied)} lie "
                    f"within one rare validation image ({step:.4f}) of each other. "
                    f"{sentence}")  # fmt: skip
    return found | {"sentence": sentence, "best_simple": tied[0] if len(tied) == 1 else None,
                    "tied": tied, "tie_step": step, "validation_scores": chosen_by,
                    "gate": gate, "pooled": pool, "comparisons": comparisons,
                    "against_rival": against_rival, "pairs": pairs,
                    "families": families, "weak_validation": _weak(rare_validation)}  # fmt: skip


def _one_rare_image(metric: str, classes: int | None,
                    rare_validation: dict[str, int] | None) -> float | None:  # fmt: skip
    """How much one validation image of the rarest class moves ``metric``: its recall moves by
    1/n, and the metric averages that over the classes (or, for the rare-class metrics, over
    the rare classes); None without the counts."""
    if not rare_validation or not classes:
        return None
    fewest = max(min(rare_validation.values()), 1)
    over = len(rare_validation) if metric.startswith("minority_") else classes
    return 1 / (fewest * over)


def _weak(rare_validation: dict[str, int] | None) -> str | None:
    if not rare_validation or min(rare_validation.values()) >= FEW_RARE:
        return None
    counts = ", ".join(f"{name}: {n}" for name, n in rare_validation.items())
    return (f"The validation set holds few rare images ({counts}; fewer than {FEW_RARE}): the "
            "choice of the best simple strategy rests on them, and one image moves a score by "
            "a lot (threshold's τ is not chosen on so few: below "
            "strategies.threshold.min_rare_validation it is strategies.threshold.fallback).")


def _gate(results: dict[str, StrategyResult], classes: int | None) -> dict | None:
    """Did the classifier learn the task? ``oracle``'s (else the best strategy's) test
    balanced accuracy against chance (1 / classes)."""
    key = "test_balanced_accuracy"
    scored = {n: r for n, r in results.items() if r.runs and key in r.runs[0].metrics}
    if not classes or not scored:
        return None
    reference = "oracle" if "oracle" in scored else max(
        scored, key=lambda n: np.mean(scored[n].scores(key)))  # fmt: skip
    summary = bounded_interval(scored[reference].scores(key))
    chance = 1 / classes
    floor = chance + LEARNED * (1 - chance)
    low = summary["low"] if np.isfinite(summary["low"]) else summary["mean"]
    return {"reference": reference, "mean": summary["mean"], "low": summary["low"],
            "chance": chance, "floor": floor, "learned": bool(low > floor)}  # fmt: skip


def _pool(results: dict[str, StrategyResult], test: str, names: list[str]) -> dict | None:
    names = list(dict.fromkeys(names))
    replicates = min(len(results[n].runs) for n in names)
    if len(names) < 2 or replicates < 2:
        return None
    return pooled_spread({n: results[n].scores(test)[:replicates] for n in names})


def _pooled(own: dict, pool: dict | None, name: str, other: str) -> dict:
    """The comparison's interval from the pooled spread, when the pool holds both and the
    spreads are alike; else its own paired one."""
    if pool is None or not pool["alike"] or not {name, other} <= set(pool["strategies"]):
        return {"interval": "paired", "spread": own["std"]}
    spread = math.sqrt(2 * pool["variance"])  # one replicate's difference of two strategies
    error = spread / math.sqrt(own["replicates"])
    return _t_test(own["difference"], error, pool["df"], LEVEL) | {
        "interval": "pooled", "spread": spread, "pooled_over": len(pool["strategies"])}


def _with_test_sampling(result: dict, ours: StrategyResult, theirs: StrategyResult,
                        labels) -> dict:  # fmt: skip
    """The interval widened by the test set's own sampling (``test_sampling_variance``):
    the replicates' squared standard error plus it, at the replicates' degrees of freedom
    (conservative: Satterthwaite's would count the exactly known part as more certainty, and
    could narrow the interval while adding a source of noise)."""
    predicted = [[r.predicted for r in sorted(s.runs, key=lambda r: r.replicate)]
                 for s in (ours, theirs)]  # fmt: skip
    if any(len(p) != len(labels) for runs in predicted for p in runs):
        return {"test_sampling_sd": None}
    variance = test_sampling_variance(labels, *predicted)
    replicate_error = result["error"]
    error = math.sqrt(replicate_error**2 + variance)
    return _t_test(result["difference"], error, result["df"], LEVEL) | {
        "test_sampling_sd": math.sqrt(variance)}  # fmt: skip


def _needed(result: dict, pool: dict | None, margin: float, replicates: int) -> int | None:
    """Replicates for 80% power against ``margin`` at this comparison's spread."""
    if result["interval"] == "pooled":
        strategies = len(pool["strategies"])
        return replicates_for_power(margin, result["spread"], lambda n: (strategies - 1) * (n - 1))
    return replicates_for_power(margin, result["spread"], lambda n: n - 1)


def _outcome(result: dict, margin: float, gate: dict | None) -> str:
    if gate is not None and not gate["learned"]:
        return _NOT_LEARNED
    low, high = result["low"], result["high"]
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no conclusion"
    if low > 0:
        return "better"
    if high < 0:
        return "worse"
    return "equivalent" if -margin <= low and high <= margin else "inconclusive"


def _families(results: dict[str, StrategyResult], test: str, generative: list[str],
              simple: list[str]) -> tuple[list[dict], list[dict]]:  # fmt: skip
    """Every generative strategy against every simple one (paired, Holm over the simple
    strategies per generative strategy), and per generative strategy: did it beat each
    (intersection-union), and which it did worse than (Holm)."""
    pairs, families = [], []
    for name in generative:
        rows = [{"strategy": name, "against": s,
                 **paired(results[name].scores(test), results[s].scores(test))}
                for s in simple]  # fmt: skip
        for row, adjusted in zip(rows, holm([r["p_value"] for r in rows]), strict=True):
            row["p_holm"] = adjusted
        beat_all = all(np.isfinite(r["low"]) and r["low"] > 0 for r in rows)
        worse = [r["against"] for r in rows
                 if r["difference"] < 0 and np.isfinite(r["p_holm"]) and r["p_holm"] < 1 - LEVEL]
        families.append({"strategy": name, "beat_every_simple": beat_all, "worse_than": worse,
                         "words": _family_words(name, len(rows), beat_all, worse, rows)})
        pairs += rows
    return pairs, families


def _family_words(name: str, count: int, beat_all: bool, worse: list[str],
                  rows: list[dict]) -> str:  # fmt: skip
    if beat_all:
        return (f"{_who(name)} beat every one of the {count} simple strategies (each paired "
                "95% interval above zero).")  # fmt: skip
    missed = [r["against"] for r in rows if not (np.isfinite(r["low"]) and r["low"] > 0)]
    said = f"{_who(name)} did not beat every simple strategy (not shown better than: " \
           f"{', '.join(missed)})"  # fmt: skip
    if worse:
        return f"{said}; it did worse than {', '.join(worse)} (Holm over the {count})."
    return f"{said}; it was not shown worse than any (Holm over the {count})."


def _who(name: str) -> str:
    kind = "GAN" if name in GAN else "DeepSMOTE" if name == "deepsmote" else "generative"
    return f"{kind} rebalancing ({name})"


def _points(value: float) -> str:
    return f"{100 * value:+.2f}"


def words(metric: str, result: dict, who: str, rival: str, margin: float = 0.005,
          gate: dict | None = None) -> str:  # fmt: skip
    """The comparison of ``who`` with ``rival`` in a sentence, in points (hundredths) of the
    metric: better or worse "by at least" the interval's near end when it excludes zero,
    "equivalent" when it lies within ±``margin``, otherwise "inconclusive"; and no words at
    all when the classifier did not learn the task (``gate``)."""
    gap, low, high, n = result["difference"], result["low"], result["high"], result["replicates"]
    what = metric.replace("_", " ")
    if gate is not None and not gate["learned"]:
        return (f"No verdict: the classifier did not learn this task. {gate['reference']} "
                f"reached test balanced accuracy {gate['mean']:.4f} (95% interval from "
                f"{gate['low']:.4f}), where chance is {gate['chance']:.4f}; below "
                f"{gate['floor']:.4f} nothing here says whether rebalancing helps. Train a "
                "stronger classifier (classifier.architecture, classifier.width) or for longer "
                "(classifier.steps) first.")  # fmt: skip
    if n < 2:
        return (f"No conclusion: one replicate gives no interval over the training's "
                f"randomness. {who} against {rival} on {what}: {gap:+.4f} in this one "
                "replicate. Set replicates: 3 or more for a verdict.")  # fmt: skip
    how = (f"pooled over {n} replicates of {result.get('pooled_over', 'the headline')} "
           "strategies" if result.get("interval") == "pooled" else f"over {n} replicates")
    if result.get("test_sampling_sd") is not None:
        how += " and the test set's sampling"
    interval = f"95% interval {_points(low)} to {_points(high)} points, {how}"
    band = f"±{100 * margin:.2f} points"
    if low > 0:
        inside = f"; all of it within {band}" if high <= margin else ""
        return (f"{who} beat {rival} on {what}: better by at least {100 * low:.2f} points "
                f"(mean {_points(gap)}; {interval}{inside}).")  # fmt: skip
    if high < 0:
        inside = f"; all of it within {band}" if low >= -margin else ""
        return (f"{who} did worse than {rival} on {what}: worse by at least {-100 * high:.2f} "
                f"points (mean {_points(gap)}; {interval}{inside}).")  # fmt: skip
    if -margin <= low and high <= margin:
        return (f"{who} and {rival} are equivalent on {what} within {band}: {_points(gap)} "
                f"({interval}).")  # fmt: skip
    needed = result.get("replicates_needed")
    resolve = (f"about {needed} replicates would resolve {band} at this spread (80% power)"
               if needed else f"no feasible number of replicates would resolve {band}")
    return (f"Inconclusive at {n} replicates: {who} against {rival} on {what} is somewhere "
            f"between {_points(low)} and {_points(high)} points (mean {_points(gap)}; "
            f"{interval}); {resolve}.")  # fmt: skip
