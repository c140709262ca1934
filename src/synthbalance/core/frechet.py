"""The Fréchet distance between Gaussians fitted to two sets of feature vectors, in one
place: the GAN's stopping signal (training/stopping.py) and the quality stage's FD-domain and
Inception FID (pipelines/quality) all compute it here, with torchmetrics' FID on features
computed elsewhere."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class Precomputed(nn.Module):
    """Hands features computed elsewhere to torchmetrics, which expects a feature network."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features


def frechet_distance(real: np.ndarray | torch.Tensor, fake: np.ndarray | torch.Tensor) -> float:
    """|mu_r - mu_f|^2 + tr(S_r + S_f - 2 (S_r S_f)^1/2) of Gaussians fitted to the (n, d)
    rows of ``real`` and ``fake``, in float64; never below zero (rounding can leave -1e-9 for
    equal sets)."""
    # Imported here: torchmetrics' image package imports torchvision, and that torch._dynamo,
    # about 3 s that every `kedro` command would pay at start.
    from torchmetrics.image.fid import FrechetInceptionDistance

    real, fake = (torch.as_tensor(rows).detach().cpu().double() for rows in (real, fake))
    metric = FrechetInceptionDistance(feature=Precomputed(real.shape[1]))
    metric.update(real, real=True)
    metric.update(fake, real=False)
    return max(float(metric.compute()), 0.0)
