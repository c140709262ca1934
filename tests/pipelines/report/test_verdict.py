"""The verdict's statistics: the gate, the baseline chosen on validation (with ties), the
pooled intervals, the words with a margin, and the claims over the simple family."""

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from synthbalance.core.results import ReplicateRun, StrategyResult
from synthbalance.pipelines.report.comparison import holm, paired
from synthbalance.pipelines.report.verdict import verdict
from synthbalance.pipelines.report.words import words


def result(strategy: str, test: list[float], val: list[float] | None = None) -> StrategyResult:
    val = test if val is None else val
    runs = [
        ReplicateRun(r, r, {"test_balanced_accuracy": t, "val_balanced_accuracy": v}, [])
        for r, (t, v) in enumerate(zip(test, val, strict=True))
    ]
    return StrategyResult(strategy, 10, {"real": 10}, {"c0": 10}, runs)


def simulated(
    rng, replicates: int, spread: float, shared: float = 0.0, names=("augment", "gan")
) -> dict[str, StrategyResult]:
    """Strategies with the same true score (0.9): each replicate's own effect, shared by
    every strategy (``shared``), plus each strategy's own noise (``spread``)."""
    effect = rng.normal(0, shared, replicates)
    return {
        name: result(name, list(0.9 + effect + rng.normal(0, spread, replicates))) for name in names
    }


def coverage(rng, spreads: dict[str, float], runs: int = 300) -> tuple[float, dict, dict]:
    """The share of simulated runs whose intervals hold the true zero difference (over every
    comparison, and per generative strategy), and how often each kind of interval was used:
    strategies of one true score, a replicate effect shared by all, each its own noise."""
    held, kinds, each = [], {}, {}
    for _ in range(runs):
        effect = rng.normal(0, 0.02, 3)
        results = {
            name: result(name, list(0.9 + effect + rng.normal(0, sd, 3)))
            for name, sd in spreads.items()
        }
        for c in verdict(results, "balanced_accuracy")["comparisons"]:
            held.append(c["low"] <= 0 <= c["high"])
            each.setdefault(c["strategy"], []).append(held[-1])
            kinds[c["interval"]] = kinds.get(c["interval"], 0) + 1
    return float(np.mean(held)), kinds, {name: float(np.mean(h)) for name, h in each.items()}


def test_the_interval_holds_a_true_zero_in_90_to_99_percent_of_simulated_runs():
    rng = np.random.default_rng(0)
    alike = {"augment": 0.01, "gan": 0.01, "gan_augment": 0.01, "deepsmote": 0.01}
    held, kinds, _ = coverage(rng, alike)
    assert 0.90 <= held <= 0.99
    assert kinds["pooled"] > 0.5 * 900  # alike spreads: pooled mostly
    # a GAN twice and three times as noisy as the rest: the pool is refused more often, and
    # each pair's own paired spread keeps the coverage, the noisy GAN's own pair's included
    # (Bartlett's pre-test alone let it pool often enough to hold it in 88% at three times)
    for times in (2, 3):
        held, kinds, each = coverage(rng, alike | {"gan": 0.01 * times})
        assert 0.90 <= held <= 0.99, (times, held, kinds)
        assert 0.90 <= each["gan"] <= 0.99, (times, each, kinds)


def test_pooling_narrows_the_interval_and_unlike_spreads_are_not_pooled():
    rng = np.random.default_rng(0)  # a draw Bartlett passes (most do)
    alike = verdict(
        simulated(rng, 3, 0.01, names=("augment", "gan", "gan_augment", "deepsmote")),
        "balanced_accuracy",
    )
    c = alike["comparisons"][0]
    assert c["interval"] == "pooled" and alike["pooled"]["alike"]
    assert alike["pooled"]["df"] == 3 * 2  # (S - 1)(R - 1), not R - 1
    assert c["high"] - c["low"] < c["own_high"] - c["own_low"]  # t(6) against t(2)
    steady = lambda shift: [0.9 + shift + d for d in (0, 1e-4, 2e-4, 1e-4, 0)]  # noqa: E731
    results = {
        "augment": result("augment", steady(0)),
        "gan": result("gan", [0.80, 0.95, 0.85, 0.99, 0.90]),
        "gan_augment": result("gan_augment", [0.901, 0.9, 0.9012, 0.9008, 0.9003]),
        "deepsmote": result("deepsmote", steady(-0.001)),
    }
    unlike = verdict(results, "balanced_accuracy")
    assert not unlike["pooled"]["alike"]
    # each pair's own paired spread: the noisy one's noise stays its own
    assert {c["interval"] for c in unlike["comparisons"]} == {"paired"}
    gan = unlike["comparisons"][0]  # gan - augment
    assert (gan["low"], gan["high"]) == (gan["own_low"], gan["own_high"])
    steady_pair = unlike["comparisons"][1]  # gan_augment - augment: narrow, not widened by gan
    assert steady_pair["high"] - steady_pair["low"] < 0.01 < gan["high"] - gan["low"]
    each = unlike["pooled"]["std_each"]  # about the others' mean: a third of gan's in each
    assert each["gan"] > 2 * max(each["augment"], each["gan_augment"], each["deepsmote"])


def test_a_noisy_simple_strategy_outside_the_headline_stays_out_of_the_pool():
    # keep_fraction 0.01 measured it: class_weight and its kind, far below the best simple
    # strategy and ten times as noisy, widened gan - augment from 4 to 35 points when pooled
    rng = np.random.default_rng(0)
    results = simulated(rng, 3, 0.002, names=("augment", "gan", "gan_augment", "deepsmote"))
    quiet = verdict(results, "balanced_accuracy")
    noisy = {"class_weight": result("class_weight", [0.60, 0.85, 0.70], [0.5, 0.5, 0.5])}
    found = verdict(results | noisy, "balanced_accuracy")
    assert found["best_simple"] == "augment"
    assert "class_weight" not in found["pooled"]["strategies"]
    assert found["comparisons"][0]["low"] == pytest.approx(quiet["comparisons"][0]["low"])
    (against,) = [p for p in found["pairs"] if p["against"] == "class_weight"][:1]
    assert against["interval"] == "paired"  # the family's pair outside the pool


def test_the_best_simple_strategy_is_chosen_on_validation_not_on_test():
    results = {
        "none": result("none", test=[0.95, 0.96, 0.97], val=[0.80, 0.81, 0.82]),
        "augment": result("augment", test=[0.90, 0.91, 0.92], val=[0.90, 0.91, 0.92]),
        "gan": result("gan", test=[0.93, 0.94, 0.95]),
    }
    found = verdict(results, "balanced_accuracy")
    assert found["best_simple"] == "augment"  # none scores higher on test, lower on validation
    assert found["best_simple_selected_on"] == "validation"
    assert found["comparisons"][0]["difference"] == pytest.approx(0.03)
    assert found["comparisons"][0]["words"].startswith("GAN rebalancing (gan) beat")


def test_a_saturated_validation_set_is_a_tie_not_a_pick():
    results = {
        "oversample": result("oversample", [0.89, 0.90, 0.91], [1.0, 1.0, 1.0]),
        "augment": result("augment", [0.95, 0.955, 0.96], [1.0, 1.0, 1.0]),
        "smote": result("smote", [0.92, 0.93, 0.94], [0.995, 0.995, 0.995]),
        "gan": result("gan", [0.93, 0.94, 0.945]),
    }
    # 10 classes, 6 rare validation images, 3 replicates: one image in one replicate moves
    # the mean balanced accuracy by 1/180 = 0.0056
    found = verdict(results, "balanced_accuracy", classes=10, rare_validation={"5": 6})
    assert found["best_simple"] is None and found["tied"] == ["oversample", "smote", "augment"]
    assert found["tie_step"] == pytest.approx(1 / 180)
    assert [c["against"] for c in found["comparisons"]] == ["oversample", "smote", "augment"]
    assert found["sentence"].startswith("Validation cannot choose the best simple strategy")
    (headline,) = found["headline"]  # one outcome for gan, against the three together
    assert headline["against"] == ["oversample", "smote", "augment"]
    # it beat oversample, but augment beat it: worse than the best, whichever of them it is
    assert (
        headline["outcome"] == "worse"
        and "worse than augment (Holm over the 3)" in headline["words"]
    )
    assert "against oversample: better by at least" in headline["words"]
    assert "fewer than 20" in found["weak_validation"]
    # with 28 rare validation images the 0.005 gap to smote is no longer a tie
    assert verdict(results, "balanced_accuracy", classes=10, rare_validation={"5": 28})["tied"] == [
        "oversample",
        "augment",
    ]


def _said(low: float, high: float, margin: float = 0.005, needed: int = 12) -> str:
    found = {
        "difference": (low + high) / 2,
        "low": low,
        "high": high,
        "replicates": 5,
        "df": 4,
        "interval": "paired",
        "replicates_needed": needed,
    }
    return words("balanced_accuracy", found, "GAN rebalancing (gan)", "augment", margin)


def test_the_words_say_better_worse_equivalent_or_inconclusive_with_the_margin():
    assert "better by at least 0.20 points" in _said(0.002, 0.012)
    assert "worse by at least 0.70 points" in _said(-0.02, -0.007)
    assert "equivalent on balanced accuracy within ±0.50 points" in _said(-0.003, 0.004)
    inconclusive = _said(-0.014, 0.004)
    assert inconclusive.startswith("Inconclusive at 5 replicates")
    assert "somewhere between -1.40 and +0.40 points" in inconclusive
    assert "about 12 replicates would detect a difference of ±0.50 points" in inconclusive
    assert "all of it within ±0.50 points" in _said(0.001, 0.004)  # better, but by little
    assert "equivalent" in _said(-0.008, 0.009, margin=0.01)
    # power already reached: not "about 4 replicates would detect it" at 5
    assert "5 replicates already have 80% power against a difference of ±0.50 points" in _said(
        -0.006, 0.003, needed=4
    )


def test_one_replicate_draws_no_conclusion():
    found = verdict(
        {"augment": result("augment", [0.9]), "gan": result("gan", [0.99])}, "balanced_accuracy"
    )
    assert found["sentence"].startswith("No conclusion: one replicate gives no interval")
    assert np.isnan(found["comparisons"][0]["low"])
    assert found["comparisons"][0]["outcome"] == "no conclusion"


def test_a_classifier_that_learned_nothing_gets_no_verdict():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 2000)

    def noise(name: str) -> StrategyResult:  # predictions of labels that are noise
        return result(
            name, [balanced_accuracy_score(labels, rng.integers(0, 2, 2000)) for _ in range(3)]
        )

    found = verdict(
        {n: noise(n) for n in ("augment", "gan", "oracle")}, "balanced_accuracy", classes=2
    )
    assert not found["gate"]["learned"] and found["gate"]["reference"] == "oracle"
    assert found["sentence"].startswith("No verdict: the classifier did not learn this task")
    assert "classifier.steps" in found["sentence"]
    assert {c["outcome"] for c in found["comparisons"]} == {"not learned"}
    learned = verdict(
        {
            "augment": result("augment", [0.95, 0.96, 0.97]),
            "gan": result("gan", [0.95, 0.96, 0.97]),
            "oracle": result("oracle", [0.98, 0.985, 0.99]),
        },
        "balanced_accuracy",
        classes=2,
    )
    assert learned["gate"]["learned"]


def test_beating_the_simple_fixes_means_beating_every_one():
    gan = [0.95, 0.965, 0.97]
    results = {
        "none": result("none", [0.80, 0.81, 0.82]),
        "augment": result("augment", [0.90, 0.91, 0.92]),
        "gan": result("gan", gan),
    }
    (family,) = verdict(results, "balanced_accuracy")["families"]
    assert family["beat_every_simple"] and "beat every one of the 2" in family["words"]
    results["smote"] = result("smote", [0.96, 0.95, 0.97], [0.5, 0.5, 0.5])  # not beaten
    (family,) = verdict(results, "balanced_accuracy")["families"]
    assert not family["beat_every_simple"]
    assert "not shown better than: smote" in family["words"]


def test_did_worse_is_said_after_holm_over_the_simple_strategies():
    results = {
        "augment": result("augment", [0.95, 0.96, 0.97]),
        "oversample": result("oversample", [0.90, 0.921, 0.93]),
        "gan": result("gan", [0.90, 0.915, 0.92]),
    }
    found = verdict(results, "balanced_accuracy")
    (family,) = found["families"]
    assert family["worse_than"] == ["augment"]  # oversample: p = 0.2 before Holm
    for pair in found["pairs"]:
        assert pair["p_holm"] >= pair["p_value"]


def test_holm_adjusts_step_down():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, float("nan")])[0] == pytest.approx(1.0)


def test_a_paired_comparison_needs_the_same_replicates():
    with pytest.raises(ValueError, match="the same replicates on both sides, got 3 and 2"):
        paired([0.9, 0.91, 0.92], [0.9, 0.91])


def test_each_gan_strategy_is_also_set_against_the_non_gan_rival():
    results = {
        "augment": result("augment", [0.90, 0.91, 0.92]),
        "ldam_drw": result("ldam_drw", [0.93, 0.94, 0.95], [0.99, 0.99, 0.99]),
        "gan": result("gan", [0.92, 0.93, 0.94]),
        "deepsmote": result("deepsmote", [0.89, 0.90, 0.91]),
    }
    found = verdict(results, "balanced_accuracy")
    assert found["best_simple"] == "ldam_drw"  # a new simple strategy, chosen on validation
    assert [(c["strategy"], c["against"]) for c in found["comparisons"]] == [
        ("gan", "ldam_drw"),
        ("deepsmote", "ldam_drw"),
    ]
    (rival,) = found["against_rival"]
    assert (rival["strategy"], rival["against"]) == ("gan", "deepsmote")
    assert rival["difference"] == pytest.approx(0.03)
    assert rival["words"].startswith(
        "GAN rebalancing (gan) beat the non-GAN generative rival (deepsmote)"
    )
    assert found["comparisons"][1]["words"].startswith(
        "DeepSMOTE rebalancing (deepsmote) did worse than the best simple"
    )


def test_the_test_sets_sampling_widens_the_interval_of_balanced_accuracy():
    rng = np.random.default_rng(5)
    labels = np.repeat([0, 1], [900, 100])
    hard = rng.random(1000)  # each image's own difficulty, the same in every replicate

    def predicting(name: str, skill: float) -> StrategyResult:
        runs = []
        for r in range(3):
            right = hard + rng.normal(0, 0.02, 1000) < skill  # a little replicate noise
            predicted = np.where(right, labels, 1 - labels)
            score = balanced_accuracy_score(labels, predicted)
            runs.append(
                ReplicateRun(
                    r,
                    r,
                    {"test_balanced_accuracy": score, "val_balanced_accuracy": score},
                    predicted.tolist(),
                )
            )
        return StrategyResult(name, 10, {"real": 10}, {"c0": 10}, runs)

    results = {"augment": predicting("augment", 0.88), "gan": predicting("gan", 0.9)}
    alone = verdict(results, "balanced_accuracy")["comparisons"][0]
    both = verdict(results, "balanced_accuracy", labels=labels)["comparisons"][0]
    # the 20 rare images between the two skills decide the difference: another test set
    # would hold another number of them
    assert both["test_sampling_sd"] > 0.002
    assert both["high"] - both["low"] > alone["high"] - alone["low"]
    assert both["difference"] == alone["difference"]
    assert "and the test set's sampling" in both["words"]
