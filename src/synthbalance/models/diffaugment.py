"""Differentiable augmentation (Zhao et al., 2020): wrap every discriminator input, real
and fake, in the same random, differentiable transforms, so that a discriminator trained
on a few hundred images cannot memorise them.

Each transform maps a batch (N, C, H, W) in [-1, 1] to one of the same shape, drawing its
per-image randomness from the given generator on the batch's device.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F


def _uniform(x: torch.Tensor, rng: torch.Generator, low: float, high: float) -> torch.Tensor:
    # One draw per image, shaped to broadcast over (C, H, W).
    u = torch.rand(x.shape[0], 1, 1, 1, generator=rng, device=x.device, dtype=x.dtype)
    return low + (high - low) * u


def color(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Brightness, saturation and contrast jitter; only RGB images are changed."""
    if x.shape[1] != 3:
        return x
    x = x + _uniform(x, rng, -0.5, 0.5)
    grey = x.mean(dim=1, keepdim=True)
    x = grey + (x - grey) * _uniform(x, rng, 0.0, 2.0)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return mean + (x - mean) * _uniform(x, rng, 0.5, 1.5)


def translation(x: torch.Tensor, rng: torch.Generator, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size, whole pixels, zero-filled."""
    n, _, h, w = x.shape
    limit = torch.tensor([w * ratio, h * ratio], device=x.device).round()
    shift = (torch.rand(n, 2, generator=rng, device=x.device) * 2 - 1) * limit
    shift = shift.round() * 2 / torch.tensor([w, h], device=x.device)  # grid units
    theta = torch.zeros(n, 2, 3, device=x.device, dtype=x.dtype)
    theta[:, 0, 0] = theta[:, 1, 1] = 1
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False)


def cutout(x: torch.Tensor, rng: torch.Generator, ratio: float = 0.5) -> torch.Tensor:
    """Zero a square of ``ratio`` of the image's side at a random place in each image."""
    n, _, h, w = x.shape
    half_h, half_w = round(h * ratio) // 2, round(w * ratio) // 2
    centre = torch.rand(n, 2, generator=rng, device=x.device) * torch.tensor(
        [h, w], device=x.device
    )
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    inside = ((rows - centre[:, 0].view(n, 1, 1)).abs() < half_h) & (
        (cols - centre[:, 1].view(n, 1, 1)).abs() < half_w
    )
    return x * (~inside).unsqueeze(1).to(x.dtype)


AUGMENTATIONS: dict[str, Callable[[torch.Tensor, torch.Generator], torch.Tensor]] = {
    "color": color,
    "translation": translation,
    "cutout": cutout,
}


def diff_augment(x: torch.Tensor, policy: Sequence[str], rng: torch.Generator) -> torch.Tensor:
    """Apply each named augmentation of ``policy`` in order."""
    for name in policy:
        x = AUGMENTATIONS[name](x, rng)
    return x
