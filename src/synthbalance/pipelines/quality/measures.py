"""Generative quality in a feature space, from well-kept libraries where they exist:
torchmetrics (the Fréchet distance, through core/frechet.py, and KID) and prdc (precision,
recall, density, coverage).
Each function takes (n, d) float arrays and returns plain floats."""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import torch
from prdc import compute_prdc

from synthbalance.core import frechet
from synthbalance.core.frechet import Precomputed


def _check(real: np.ndarray, fake: np.ndarray, at_least: int, what: str) -> None:
    if min(len(real), len(fake)) < at_least:
        raise ValueError(
            f"{what} needs at least {at_least} images in each set; got {len(real)} real and "
            f"{len(fake)} synthetic"
        )


def frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to the two feature sets ("FD-domain")."""
    _check(real, fake, 2, "the Fréchet distance")
    return frechet.frechet_distance(real, fake)


def kernel_distance(real: np.ndarray, fake: np.ndarray, subset_size: int = 1000) -> float:
    """Kernel (Inception-style) distance: the unbiased polynomial-kernel MMD², averaged
    over 20 random subsets (torch's global generator, seeded by the caller)."""
    _check(real, fake, 2, "the kernel distance")
    from torchmetrics.image.kid import KernelInceptionDistance  # as in core/frechet.py

    size = min(subset_size, len(real), len(fake))
    with warnings.catch_warnings():  # "will save all extracted features": intended here
        warnings.simplefilter("ignore", UserWarning)
        metric = KernelInceptionDistance(
            feature=Precomputed(real.shape[1]), subsets=20, subset_size=size
        )
    metric.update(torch.from_numpy(real).double(), real=True)
    metric.update(torch.from_numpy(fake).double(), real=False)
    mean, _ = metric.compute()
    return float(mean)


def precision_recall_density_coverage(real: np.ndarray, fake: np.ndarray, k: int) -> dict:
    """Improved precision and recall (k-NN manifolds), density and coverage (Naeem et al.)."""
    _check(real, fake, k + 1, f"precision/recall with k = {k}")
    with contextlib.redirect_stdout(io.StringIO()):  # prdc prints the set sizes
        scores = compute_prdc(real, fake, nearest_k=k)
    return {key: float(value) for key, value in scores.items()}


def nearest_distances(queries: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distance to, index of) each query's nearest neighbour in ``pool``, by brute force
    (pixel vectors have too many dimensions for a tree to help)."""
    pool_t = torch.from_numpy(np.asarray(pool, dtype=np.float32))
    distances, indices = [], []
    for chunk in torch.from_numpy(np.asarray(queries, dtype=np.float32)).split(2048):
        exact = torch.cdist(chunk, pool_t, compute_mode="donot_use_mm_for_euclid_dist")
        nearest = exact.min(dim=1)  # exact: a copy is at distance 0, not 1e-3
        distances.append(nearest.values)
        indices.append(nearest.indices)
    return torch.cat(distances).numpy(), torch.cat(indices).numpy()


def mean_pairwise_distance(features: np.ndarray, pairs: int, rng: np.random.Generator) -> float:
    """The mean distance between random pairs of distinct items: a diversity measure."""
    _check(features, features, 2, "diversity")
    first = rng.integers(len(features), size=pairs)
    second = (first + rng.integers(1, len(features), size=pairs)) % len(features)
    return float(np.linalg.norm(features[first] - features[second], axis=1).mean())
