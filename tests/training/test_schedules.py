"""The learning-rate schedules the classifier and DeepSMOTE's autoencoder share."""

import pytest
import torch

from synthbalance.training.schedules import lr_schedule


def optimiser():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)


def test_constant_is_no_scheduler_and_a_misspelt_one_is_a_clear_error():
    assert lr_schedule(optimiser(), "constant", 0.1, 10) is None
    with pytest.raises(ValueError, match="'constant', 'cosine' or 'one_cycle', got 'cosnie'"):
        lr_schedule(optimiser(), "cosnie", 0.1, 10)


def test_cosine_ends_at_zero_after_the_last_step():
    opt = optimiser()
    schedule = lr_schedule(opt, "cosine", 0.1, 20)
    rates = []
    for _ in range(20):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    assert max(rates) == pytest.approx(0.1) and rates[-1] == pytest.approx(0.0, abs=1e-12)
