import numpy as np
import pytest

from synthbalance.core.statistics import (
    bounded_interval,
    pooled_spread,
    replicates_for_power,
    t_interval,
)


def test_bounded_intervals_never_leave_zero_to_one():
    rng = np.random.default_rng(0)
    for _ in range(500):
        values = list(np.clip(rng.normal(rng.choice([0.02, 0.5, 0.98]), 0.05, 3), 0, 1))
        summary = bounded_interval(values)
        assert 0 <= summary["low"] <= summary["high"] <= 1
    plain = t_interval([0.99, 0.95, 0.99])
    assert plain["high"] > 1  # what the plain t-interval gives
    assert bounded_interval([0.99, 0.95, 0.99])["high"] < 1
    assert bounded_interval([1.0, 1.0, 1.0])["low"] == pytest.approx(1.0, abs=1e-3)


def test_the_pooled_spread_has_s_minus_1_times_r_minus_1_degrees_of_freedom():
    rng = np.random.default_rng(1)
    scores = {f"s{i}": list(rng.normal(0.9, 0.01, 5) + np.arange(5) * 0.1) for i in range(4)}
    pool = pooled_spread(scores)  # a large replicate effect, removed by the blocks
    assert pool["df"] == 12 and 0.003 < pool["std"] < 0.02 and pool["alike"]
    with pytest.raises(ValueError, match="at least 2 strategies and 2 replicates, got 1 and 5"):
        pooled_spread({"s0": scores["s0"]})


def test_replicates_for_power_matches_the_paired_t_tests_table():
    # a paired t-test, effect 0.5 SD, 80% power at two-sided 5%: n = 34 (Cohen's tables)
    assert replicates_for_power(0.5, 1.0, lambda n: n - 1) == 34
    assert replicates_for_power(1.0, 1.0, lambda n: n - 1) == 10
    pooled = replicates_for_power(0.5, 1.0, lambda n: 3 * (n - 1))
    assert pooled < 34  # more degrees of freedom, fewer replicates
    assert replicates_for_power(0.0, 1.0, lambda n: n - 1) is None
    assert replicates_for_power(50.0, 1.0, lambda n: n - 1) == 2  # the first candidate
    # a floor no replicate count shrinks, as large as the difference: out of reach
    assert replicates_for_power(0.005, 0.004, lambda n: n - 1, floor=0.005**2) is None


def test_the_test_sets_sampling_variance_is_the_stratified_bootstraps_less_replicate_noise():
    from sklearn.metrics import balanced_accuracy_score

    from synthbalance.core.statistics import test_sampling_variance

    rng = np.random.default_rng(2)
    labels = np.repeat([0, 1, 2], [500, 100, 40])
    # the same predictions in every replicate: no replicate noise, the bootstrap's variance
    ours = [np.where(rng.random(640) < 0.9, labels, (labels + 1) % 3)] * 3
    theirs = [np.where(rng.random(640) < 0.85, labels, (labels + 2) % 3)] * 3
    exact = test_sampling_variance(labels, ours, theirs)
    drawn = []
    members = [np.flatnonzero(labels == c) for c in range(3)]
    for _ in range(2000):  # class-stratified resamples, the same for both sides
        index = np.concatenate([rng.choice(m, len(m)) for m in members])
        drawn.append(
            balanced_accuracy_score(labels[index], ours[0][index])
            - balanced_accuracy_score(labels[index], theirs[0][index])
        )
    assert exact == pytest.approx(np.var(drawn), rel=0.1)
    assert test_sampling_variance(labels, ours, ours) == 0.0
    # each replicate's own independent errors, no image harder than another: the replicates'
    # spread holds it all, and little is left for the test set
    noisy = [np.where(rng.random(640) < 0.9, labels, (labels + 1) % 3) for _ in range(3)]
    other = [np.where(rng.random(640) < 0.9, labels, (labels + 2) % 3) for _ in range(3)]
    naive = (
        sum(
            (
                (
                    np.mean([n == labels for n in noisy], 0)
                    - np.mean([o == labels for o in other], 0)
                )[labels == c].var()
                / np.sum(labels == c)
            )
            for c in range(3)
        )
        / 9
    )
    assert test_sampling_variance(labels, noisy, other) < 0.25 * naive
    with pytest.raises(ValueError, match=r"one per test image \(640\) on both sides"):
        test_sampling_variance(labels, ours, [t[:10] for t in theirs])
