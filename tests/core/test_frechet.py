"""The one Fréchet distance (core/frechet.py), which the GAN's stopping rule and the quality
stage share."""

import numpy as np
import pytest
import torch

from synthbalance.core.frechet import frechet_distance


def test_the_frechet_distance_is_the_closed_form_of_two_gaussians():
    rng = torch.Generator().manual_seed(0)
    a, b = torch.randn(4000, 3, generator=rng), torch.randn(4000, 3, generator=rng)
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-9)
    # N(0, I) against N(1, 4 I) in 3-d: 3 x 1^2 + 3 x (1 + 4 - 2 x 2) = 6
    assert frechet_distance(a, 2 * b + 1) == pytest.approx(6, rel=0.05)


def test_arrays_and_tensors_give_the_same_distance():
    rows = np.random.default_rng(1).normal(size=(500, 4))
    shifted = rows[::-1] + 0.5
    assert frechet_distance(rows, shifted) == frechet_distance(
        torch.from_numpy(rows), torch.from_numpy(shifted)
    )
