"""Each loss against a worked example by hand: logits, prior or counts, margins -> its value."""

import math

import numpy as np
import pytest
import torch

from synthbalance.config.strategies import LdamDrwParams, LogitAdjustParams
from synthbalance.training.losses import (
    Loss,
    criterion,
    drw_first_step,
    effective_number_weights,
    ldam_margins,
)


def value(loss: Loss, counts, logits, labels, step=1, steps=100) -> float:
    found = criterion(loss, np.array(counts), steps)
    return float(found(torch.tensor(logits), torch.tensor(labels), step))


def test_logit_adjusted_loss_by_hand():
    # prior (0.9, 0.1); logits (1, 2), label 1: softmax of logits + log prior gives class 1
    # 0.1·e² / (0.9·e + 0.1·e²) = 0.23197, so the loss is -ln 0.23197 = 1.46115.
    loss = Loss("logit_adjust", LogitAdjustParams(tau=1.0).model_dump())
    assert value(loss, [90, 10], [[1.0, 2.0]], [1]) == pytest.approx(1.46115, abs=1e-4)
    # tau 0 is plain cross-entropy: ln(e + e²) - 2 = 0.31326
    plain = Loss("logit_adjust", {"tau": 0.0})
    assert value(plain, [90, 10], [[1.0, 2.0]], [1]) == pytest.approx(0.31326, abs=1e-4)


def test_ldam_margins_by_hand():
    # n^(-1/4): 10,000 -> 0.1, 16 -> 0.5; the rarest class's margin is max_margin
    assert ldam_margins(np.array([10000, 16]), 0.5).tolist() == pytest.approx([0.1, 0.5])
    assert ldam_margins(np.array([10000, 16]), 0.2).tolist() == pytest.approx([0.04, 0.2])


def test_ldam_loss_by_hand():
    loss = Loss("ldam_drw", LdamDrwParams().model_dump())  # max margin 0.5, scale 30
    # cosines (0.2, 0.6), label 1 (margin 0.5): 30·(0.2, 0.1) = (6, 3); ln(e^6 + e^3) - 3
    assert value(loss, [10000, 16], [[0.2, 0.6]], [1]) == pytest.approx(3.048587, abs=1e-4)
    # label 0 (margin 0.1): 30·(0.1, 0.6) = (3, 18); ln(e^3 + e^18) - 3 = 15.0000003
    assert value(loss, [10000, 16], [[0.2, 0.6]], [0]) == pytest.approx(15.0, abs=1e-4)


def test_effective_number_weights_by_hand():
    # (1 - b) / (1 - b^n), b = 0.9999: n = 10,000 -> 1.5819e-4, n = 16 -> 0.062547;
    # normalised to sum to 2 classes: 0.0050456 and 1.9949544
    weights = effective_number_weights(np.array([10000, 16]), 0.9999)
    assert weights.tolist() == pytest.approx([0.0050456, 1.9949544], rel=1e-4)


def test_re_weighting_starts_at_the_configured_step_and_not_before():
    assert drw_first_step(1500, 0.8) == 1201 and drw_first_step(200, 0.8) == 161
    loss = Loss("ldam_drw", LdamDrwParams(drw_start=0.8).model_dump())
    logits, labels = [[0.2, 0.6], [0.2, 0.6]], [0, 1]
    per_image = [15.0, 3.048587]  # the two worked examples above
    w = [0.0050456, 1.9949544]
    plain, weighted = np.mean(per_image), np.dot(w, per_image) / sum(w)
    counts = [10000, 16]
    for step in (1, 1199, 1200):
        assert value(loss, counts, logits, labels, step, 1500) == pytest.approx(plain, abs=1e-3)
    for step in (1201, 1500):
        assert value(loss, counts, logits, labels, step, 1500) == pytest.approx(weighted, abs=1e-3)


def test_class_weighted_cross_entropy_by_hand():
    # weights n / (K·n_c): (100 / 180, 100 / 20) = (0.5556, 5); one image each of class 0
    # and 1 with logits (0, 0): each ln 2, and the weighted mean of equal terms is ln 2 too.
    loss = Loss("class_weight")
    assert value(loss, [90, 10], [[0.0, 0.0], [0.0, 0.0]], [0, 1]) == pytest.approx(math.log(2))
    # logits (0, ln 3) for both: class 0's term ln 4, class 1's ln(4/3); weighted mean
    terms, w = [math.log(4), math.log(4 / 3)], [100 / 180, 5.0]
    expected = (w[0] * terms[0] + w[1] * terms[1]) / sum(w)
    logits = [[0.0, math.log(3)]] * 2
    assert value(loss, [90, 10], logits, [0, 1]) == pytest.approx(expected, abs=1e-5)


def test_an_unknown_loss_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown loss 'focal'; choose from"):
        criterion(Loss("focal"), np.array([1, 1]), 10)


def test_the_networks_kept_before_keep_their_fingerprint():
    # plain and class-weighted trainings are fingerprinted as they were before losses had names
    assert Loss().fingerprint() == {"class_weighted": False}
    assert Loss("class_weight").fingerprint() == {"class_weighted": True}
    assert (
        Loss("logit_adjust", {"tau": 1.0}).fingerprint()
        != Loss("logit_adjust", {"tau": 0.5}).fingerprint()
    )
