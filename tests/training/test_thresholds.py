"""Threshold moving: τ chosen on validation, none's networks left as they were."""

import numpy as np
import pandas as pd
import pytest
import torch

from synthbalance.config import ClassifierParams, StrategiesParams
from synthbalance.config.strategies import ThresholdParams
from synthbalance.pipelines.evaluate.nodes import move_thresholds
from synthbalance.training.classifier import logits
from synthbalance.training.losses import log_prior
from synthbalance.training.replicates import train_replicates
from synthbalance.training.thresholds import choose_tau
from tests.conftest import separable


def test_tau_is_the_best_on_validation_and_of_ties_the_nearest_the_theorys_by_hand():
    # prior (0.9, 0.1): subtracting tau·log prior adds 0.105·tau to class 0, 2.303·tau to 1.
    prior = log_prior(np.array([90, 10]))
    scores = torch.tensor([[3.0, 0.0], [3.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    labels = np.array([0, 0, 1, 1])
    tau, by_tau = choose_tau(scores, labels, prior, [2.0, 1.0, 0.5, 0.0], "balanced_accuracy")
    # tau 0: the rare images are missed (0.5); 0.5 and 1: all right (1.0); 2: the common
    # images flip to the rare class (0.5). Of the best, the nearest 1 (the theory's): 1.0.
    assert by_tau == {0.0: 0.5, 0.5: 1.0, 1.0: 1.0, 2.0: 0.5}
    assert tau == 1.0
    assert (
        choose_tau(scores, labels, prior, [2.0, 1.0, 0.5, 0.0], "balanced_accuracy", prefer=0.0)[0]
        == 0.5
    )


def test_a_saturated_validation_set_picks_the_theorys_tau_not_none():
    prior = log_prior(np.array([90, 10]))
    scores = torch.tensor([[9.0, 0.0], [0.0, 9.0]])  # every τ gets both right
    tau, by_tau = choose_tau(
        scores, np.array([0, 1]), prior, [0.0, 0.5, 1.0, 2.0], "balanced_accuracy"
    )
    assert set(by_tau.values()) == {1.0} and tau == 1.0


def test_an_unknown_selection_metric_is_a_clear_error():
    with pytest.raises(ValueError, match="cannot choose τ by 'accuracy'"):
        choose_tau(torch.zeros(2, 2), np.array([0, 1]), torch.zeros(2), [0.0], "accuracy")


def test_a_negative_tau_is_refused():
    with pytest.raises(ValueError, match="each τ must be 0 or more"):
        ThresholdParams(taus=[0.0, -1.0])


def test_threshold_needs_none_in_the_run():
    with pytest.raises(ValueError, match="adjusts the networks of 'none'.*add 'none'"):
        StrategiesParams(run=["threshold", "gan"])


def test_thresholds_are_chosen_on_validation_and_leave_the_networks_unchanged():
    train, validation = separable([80, 8]), separable([20, 6], 1)
    params = ClassifierParams(width=4, steps=20, batch_size=16, eval_every=10, resume=False)
    none, history = train_replicates([train, train], [validation, validation], params, seed=0)
    before = {k: v.clone() for k, v in none.state_dict().items()}
    strategies = StrategiesParams(threshold=ThresholdParams(min_rare_validation=6))
    adjusted, kept_history, metrics = move_thresholds(
        none,
        history,
        strategies,
        params,
        train_set_0=train,
        train_set_1=train,
        validation=validation,
    )
    # none's networks: not changed, not given offsets; the adjusted ones hold the same weights
    assert all(torch.equal(before[k], v) for k, v in none.state_dict().items())
    assert "offsets" not in none.config
    assert all(torch.equal(before[k], v) for k, v in adjusted.state_dict().items())
    pd.testing.assert_frame_equal(kept_history, history)
    prior = log_prior(train.class_counts())
    for r in (0, 1):
        plain = logits(none, r, validation.images)
        tau, _ = choose_tau(
            plain, validation.labels, prior, strategies.threshold.taus, params.select_by
        )
        assert metrics[f"replicate_{r}.tau"]["value"] == tau
        assert metrics[f"replicate_{r}.tau_chosen_on_validation"]["value"] == 1.0
        assert torch.allclose(logits(adjusted, r, validation.images), plain - tau * prior)


def test_too_few_rare_validation_images_give_the_fallback_tau_not_a_choice(caplog):
    train, validation = separable([80, 8]), separable([20, 6], 1)  # 6 rare validation images
    params = ClassifierParams(width=4, steps=20, batch_size=16, eval_every=10, resume=False)
    none, history = train_replicates([train], [validation], params, seed=0)
    strategies = StrategiesParams(threshold=ThresholdParams(taus=[0.0], fallback=1.5))
    adjusted, _, metrics = move_thresholds(
        none, history, strategies, params, train_set_0=train, validation=validation
    )
    assert metrics["replicate_0.tau"]["value"] == 1.5  # not the grid's only τ, 0
    assert metrics["replicate_0.tau_chosen_on_validation"]["value"] == 0.0
    assert "replicate_0.val_balanced_accuracy" not in metrics  # no scores: no empty series
    prior = log_prior(train.class_counts())
    assert torch.allclose(
        logits(adjusted, 0, validation.images), logits(none, 0, validation.images) - 1.5 * prior
    )
    assert "rarest class has 6 images (fewer than 20)" in caplog.text
