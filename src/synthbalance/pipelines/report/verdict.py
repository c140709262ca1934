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
  paired spread (R - 1), and the verdict says so. The other simple strategies stay out of
  the pool (a noisy one far from the headline would widen every interval): the families'
  comparisons with them use their pair's paired spread.
- **Words with a margin** (``verdict.margin``): "better by at least X" or "worse by at least
  X" when the interval excludes zero, "equivalent within ±margin" when it lies inside the
  margin, otherwise "inconclusive: somewhere between A and B", with the replicates that 80%
  power against the margin would need at this spread.
- **Claims that match the question.** A generative strategy "beat the simple fixes" only when
  it beat each simple strategy (an intersection-union test, each comparison's interval at 95%);
  which simple strategies it did worse than is said after Holm's adjustment over the simple
  strategies, per generative strategy.

The non-GAN generative rival (``deepsmote``) is set against the baseline like the GAN
strategies, and each GAN strategy is also set against it.
"""
# ruff: noqa: RUF002 -- the docstrings' multiplication signs are meant

from __future__ import annotations

import numpy as np

from synthbalance.core.results import StrategyResult
from synthbalance.core.statistics import bounded_interval
from synthbalance.pipelines.report.comparison import LEVEL, Comparer, holm, outcome
from synthbalance.pipelines.report.words import described, family_words, short, words
from synthbalance.strategies import REGISTRY, of_family

# The candidates for "the best simple strategy", the GAN strategies set against it, and the
# non-GAN generative rivals set against it and against each GAN strategy.
SIMPLE = tuple(of_family("baseline", "simple"))
_JUDGED = [name for name in of_family("generative") if REGISTRY[name].in_verdict]
GAN = tuple(name for name in _JUDGED if not REGISTRY[name].rival)
RIVAL = tuple(name for name in _JUDGED if REGISTRY[name].rival)
LEARNED = 0.1  # the gate: the reference's lower end must pass chance + this share of 1 - chance
FEW_RARE = 20  # fewer rare validation images than this: a choice on validation is said to be weak


def verdict(
    results: dict[str, StrategyResult],
    metric: str,
    margin: float = 0.005,
    classes: int | None = None,
    rare_validation: dict[str, int] | None = None,
    labels=None,
) -> dict:
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
    found = {
        "metric": metric,
        "replicates": replicates,
        "level": LEVEL,
        "margin": margin,
        "best_simple_selected_on": "validation",
        "rare_validation": rare_validation,
    }
    if not simple or not gans:
        missing = "no GAN strategy" if not gans else "no simple strategy"
        return found | {
            "sentence": f"No verdict: this run has {missing} (strategies.run).",
            "best_simple": None,
            "comparisons": [],
            "against_rival": [],
            "pairs": [],
            "families": [],
            "headline": [],
        }
    test, val = f"test_{metric}", f"val_{metric}"
    chosen_by = {s: float(np.mean(results[s].scores(val))) for s in simple}
    step = _one_rare_image(metric, classes, rare_validation, replicates)
    tied = _tied(chosen_by, step)
    gate = _gate(results, classes)
    learned = gate is None or gate["learned"]
    comparer = Comparer(results, test, tied + gans + rivals, margin, labels)

    def compare(name: str, other: str, who: str) -> dict:
        result = comparer.compare(name, other)
        result["outcome"] = outcome(result, margin, learned)
        return {
            "strategy": name,
            "against": other,
            **result,
            "metric_name": metric.replace("_", " "),
            "words": words(metric, result, described(name), who, margin, gate),
        }

    baseline = {
        s: (
            f"the best simple strategy ({s})"
            if len(tied) == 1
            else f"{s} (tied best simple strategy on validation)"
        )
        for s in tied
    }
    comparisons = [compare(name, s, baseline[s]) for name in gans + rivals for s in tied]
    against_rival = [
        compare(name, rival, f"the non-GAN generative rival ({rival})")
        for name in gans
        for rival in rivals
    ]
    headline = [
        _headline(name, [c for c in comparisons if c["strategy"] == name], margin)
        for name in gans + rivals
    ]
    pairs, families = _families(comparer, gans + rivals, simple, margin, learned)
    sentence = headline[0]["words"]
    if len(tied) > 1:
        sentence = (
            f"Validation cannot choose the best simple strategy: {', '.join(tied)} lie "
            f"within one rare validation image ({step:.4f}) of the best. {sentence}"
        )
    return found | {
        "sentence": sentence,
        "best_simple": tied[0] if len(tied) == 1 else None,
        "tied": tied,
        "tie_step": step,
        "validation_scores": chosen_by,
        "gate": gate,
        "pooled": comparer.pool,
        "headline": headline,
        "comparisons": comparisons,
        "against_rival": against_rival,
        "pairs": pairs,
        "families": families,
        "weak_validation": _weak(rare_validation),
    }


def _tied(chosen_by: dict[str, float], step: float | None) -> list[str]:
    """The simple strategies within ``step`` of the best mean validation score (the best
    alone without a step; the first in the registry's order among equal ones). A strategy
    without a validation score is never chosen."""
    scored = {s: v for s, v in chosen_by.items() if np.isfinite(v)} or dict.fromkeys(chosen_by, 0.0)
    top = max(scored.values())
    if not step:
        return [next(s for s, v in scored.items() if v == top)]
    return [s for s, v in scored.items() if top - v < step - 1e-9]


def _headline(name: str, rows: list[dict], margin: float) -> dict:
    """``name`` against the best simple strategy, or, where validation tied several, against
    all of them: better only if better than each (intersection-union), worse if worse than
    any after Holm over them, equivalent if equivalent to each, else inconclusive."""
    if len(rows) == 1:
        row = rows[0]
        return {
            "strategy": name,
            "against": [row["against"]],
            "outcome": row["outcome"],
            "words": row["words"],
        }
    said = {r["outcome"] for r in rows}
    adjusted = holm([r["p_value"] for r in rows])
    worse = [
        r["against"]
        for r, p in zip(rows, adjusted, strict=True)
        if r["difference"] < 0 and np.isfinite(p) and p < 1 - LEVEL
    ]
    if said & {"not learned", "no conclusion"}:
        found = "not learned" if "not learned" in said else "no conclusion"
    elif said == {"better"}:
        found = "better"
    elif worse:
        found = "worse"
    else:
        found = "equivalent" if said == {"equivalent"} else "inconclusive"
    tied = [r["against"] for r in rows]
    summary = {
        "better": "better than every one of them",
        "worse": f"worse than {', '.join(worse)} (Holm over the {len(rows)})",
        "equivalent": f"equivalent to every one within ±{100 * margin:.2f} points",
        "inconclusive": "inconclusive against them taken together",
        "no conclusion": "no conclusion",
        "not learned": "no conclusion",
    }[found]
    each = "; ".join(f"against {r['against']}: {short(r)}" for r in rows)
    each += f"; each interval unadjusted, the summary after Holm over the {len(rows)}"
    return {
        "strategy": name,
        "against": tied,
        "outcome": found,
        "words": f"{described(name)} against the tied best simple strategies on "
        f"{rows[0]['metric_name']}: {summary} ({each}).",
        "each": [r["words"] for r in rows],
    }


def _one_rare_image(
    metric: str, classes: int | None, rare_validation: dict[str, int] | None, replicates: int
) -> float | None:
    """How much one validation image of the rarest class, in one replicate, moves the mean
    ``metric`` over the replicates: its recall moves by 1/n, the metric averages that over the
    classes (or, for the rare-class metrics, over the rare classes), and the mean over the
    replicates; None without the counts."""
    if not rare_validation or not classes:
        return None
    fewest = max(min(rare_validation.values()), 1)
    over = len(rare_validation) if metric.startswith("minority_") else classes
    return 1 / (fewest * over * max(replicates, 1))


def _weak(rare_validation: dict[str, int] | None) -> str | None:
    if not rare_validation or min(rare_validation.values()) >= FEW_RARE:
        return None
    counts = ", ".join(f"{name}: {n}" for name, n in rare_validation.items())
    return (
        f"The validation set holds few rare images ({counts}; fewer than {FEW_RARE}): the "
        "choice of the best simple strategy rests on them, and one image moves a score by "
        "a lot. threshold's τ is not chosen on so few (below its own "
        "strategies.threshold.min_rare_validation, 20 by default, it is "
        "strategies.threshold.fallback)."
    )


def _gate(results: dict[str, StrategyResult], classes: int | None) -> dict | None:
    """Did the classifier learn the task? ``oracle``'s (else the best strategy's) test
    balanced accuracy against chance (1 / classes): its interval's lower end (its mean, with
    one replicate) must pass chance + 10% of the way to 1."""
    key = "test_balanced_accuracy"
    scored = {n: r for n, r in results.items() if r.runs and key in r.runs[0].metrics}
    if not classes or not scored:
        return None
    reference = (
        "oracle"
        if "oracle" in scored
        else max(scored, key=lambda n: np.nanmean(scored[n].scores(key)))
    )
    summary = bounded_interval(scored[reference].scores(key))
    chance = 1 / classes
    floor = chance + LEARNED * (1 - chance)
    low = summary["low"] if np.isfinite(summary["low"]) else summary["mean"]
    return {
        "reference": reference,
        "mean": summary["mean"],
        "low": low,
        "chance": chance,
        "floor": floor,
        "learned": bool(low > floor),
    }


def _families(
    comparer: Comparer, generative: list[str], simple: list[str], margin: float, learned: bool
) -> tuple[list[dict], list[dict]]:
    """Every generative strategy against every simple one (the headline's intervals, Holm
    over the simple strategies per generative strategy), and per generative strategy: did
    it beat each (intersection-union), and which it did worse than (Holm)."""
    pairs, families = [], []
    for name in generative:
        rows = [{"strategy": name, "against": s, **comparer.compare(name, s)} for s in simple]
        for row, adjusted in zip(rows, holm([r["p_value"] for r in rows]), strict=True):
            row["p_holm"] = adjusted
            row["outcome"] = outcome(row, margin, learned)
        beat_all = learned and all(r["outcome"] == "better" for r in rows)
        worse = [
            r["against"]
            for r in rows
            if learned
            and r["difference"] < 0
            and np.isfinite(r["p_holm"])
            and r["p_holm"] < 1 - LEVEL
        ]
        families.append(
            {
                "strategy": name,
                "beat_every_simple": beat_all,
                "worse_than": worse,
                "words": family_words(name, rows, beat_all, worse, learned),
            }
        )
        pairs += rows
    return pairs, families
