"""The verdict's statistics: intervals over replicates, the baseline chosen on validation."""

import numpy as np
import pytest
from scipy import stats

from synthbalance.pipelines.report.verdict import holm, paired, replicates_needed, verdict
from synthbalance.results import ReplicateRun, StrategyResult


def result(strategy: str, test: list[float], val: list[float] | None = None) -> StrategyResult:
    val = test if val is None else val
    runs = [ReplicateRun(r, r, {"test_balanced_accuracy": t, "val_balanced_accuracy": v}, [])
            for r, (t, v) in enumerate(zip(test, val, strict=True))]  # fmt: skip
    return StrategyResult(strategy, 10, {"real": 10}, {"c0": 10}, runs)


def simulated(rng, replicates: int, spread: float) -> dict[str, StrategyResult]:
    """Two strategies with the same true score (0.9), each replicate's own noise."""
    draw = lambda: list(0.9 + rng.normal(0, spread, replicates))  # noqa: E731
    return {"augment": result("augment", draw()), "gan": result("gan", draw())}


def test_the_interval_holds_a_true_zero_in_about_95_of_200_simulated_runs():
    rng = np.random.default_rng(0)
    held = 0
    for _ in range(200):
        found = verdict(simulated(rng, 3, 0.02), "balanced_accuracy")["comparisons"][0]
        held += found["low"] <= 0 <= found["high"]
    assert 180 <= held <= 198  # 90-99% of 200


def test_more_replicate_variance_gives_a_wider_interval():
    widths = []
    for spread in (0.005, 0.05):
        found = verdict(simulated(np.random.default_rng(1), 3, spread), "balanced_accuracy")
        c = found["comparisons"][0]
        widths.append(c["high"] - c["low"])
    assert widths[1] > 5 * widths[0]


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


def test_words_follow_the_interval():
    worse = paired([0.90, 0.91, 0.92], [0.95, 0.96, 0.97])
    assert worse["high"] < 0
    found = verdict({"augment": result("augment", [0.95, 0.96, 0.97]),
                     "gan": result("gan", [0.90, 0.91, 0.92])}, "balanced_accuracy")  # fmt: skip
    assert "did worse than the best simple strategy (augment)" in found["sentence"]
    unclear = verdict({"augment": result("augment", [0.90, 0.95, 0.92]),
                       "gan": result("gan", [0.93, 0.91, 0.92])}, "balanced_accuracy")  # fmt: skip
    assert unclear["sentence"].startswith("No clear difference at 3 replicates")
    assert "replicates would resolve" in unclear["sentence"]


def test_one_replicate_draws_no_conclusion():
    found = verdict({"augment": result("augment", [0.9]), "gan": result("gan", [0.99])},
                    "balanced_accuracy")  # fmt: skip
    assert found["sentence"].startswith("No conclusion: one replicate gives no interval")
    assert np.isnan(found["comparisons"][0]["low"])


def test_replicates_needed_shrinks_the_interval_past_zero():
    n = replicates_needed(0.01, 0.02)
    assert n is not None
    # at n the t-interval of a mean 0.01 with spread 0.02 excludes zero, at n - 1 it does not
    half = lambda k: stats.t.ppf(0.975, k - 1) * 0.02 / np.sqrt(k)  # noqa: E731
    assert half(n) < 0.01 <= half(n - 1)
    assert replicates_needed(0.0, 0.02) is None


def test_holm_adjusts_step_down():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, float("nan")])[0] == pytest.approx(1.0)


def test_every_gan_strategy_against_every_simple_one_with_holm():
    results = {name: result(name, [0.9, 0.91, 0.92]) for name in ("none", "smote", "gan")}
    pairs = verdict(results, "balanced_accuracy")["pairs"]
    assert [(p["strategy"], p["against"]) for p in pairs] == [("gan", "none"), ("gan", "smote")]
    assert all(p["p_holm"] >= p["p_value"] for p in pairs)


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
        ("gan", "ldam_drw"), ("deepsmote", "ldam_drw")]  # fmt: skip
    (rival,) = found["against_rival"]
    assert (rival["strategy"], rival["against"]) == ("gan", "deepsmote")
    assert rival["difference"] == pytest.approx(0.03)
    assert rival["words"].startswith("GAN rebalancing (gan) beat the non-GAN generative rival "
                                     "(deepsmote)")  # fmt: skip
    assert found["comparisons"][1]["words"].startswith("DeepSMOTE rebalancing (deepsmote) did "
                                                       "worse than the best simple")  # fmt: skip
