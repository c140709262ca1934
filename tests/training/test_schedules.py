"""The learning-rate schedules the classifier and DeepSMOTE's autoencoder share."""

import itertools

import pytest
import torch

from synthbalance.training.schedules import cosine, lr_schedule


def optimiser():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)


def test_constant_is_no_scheduler_and_a_misspelt_one_is_a_clear_error():
    assert lr_schedule(optimiser(), "constant", 0.1, 10) is None
    with pytest.raises(ValueError, match="'constant', 'cosine' or 'one_cycle', got 'cosnie'"):
        lr_schedule(optimiser(), "cosnie", 0.1, 10)


def test_cosine_warms_up_then_decays_to_zero_at_the_last_step():
    factors = [cosine(100, step) for step in range(100)]
    assert factors[0] == pytest.approx(0.2) and max(factors) == pytest.approx(1.0)
    assert factors[-1] == pytest.approx(0.0, abs=1e-12)
    assert all(a >= b for a, b in itertools.pairwise(factors[5:]))
