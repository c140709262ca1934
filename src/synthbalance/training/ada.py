"""Augmenting the discriminator's inputs: DiffAugment's transforms on a share p of them, and
ADA's rule (Karras et al., 2020) that moves p to hold D's overfitting signal at a target."""

from __future__ import annotations

import numpy as np
import torch

from synthbalance.models.diffaugment import diff_augment

# ADA's pace: p moves by (images seen since its last move) / ADA_IMAGES, so it can go from
# 0 to 1 in 100k images (Karras et al. use 500k for runs a hundred times as long).
ADA_IMAGES = 100_000
ADA_INTERVAL = 4  # steps between moves of p


def augment(x: torch.Tensor, policy: list[str], p: float, rng: torch.Generator):
    """``policy`` applied to a share ``p`` of the images, drawn per image (all when p = 1)."""
    if not policy or p <= 0:
        return x
    out = diff_augment(x, policy, rng)
    if p >= 1:
        return out
    chosen = torch.rand(len(x), generator=rng, device=x.device) < p
    return torch.where(chosen[:, None, None, None], out, x)


def adapt(player, target: float, batch_size: int) -> None:
    """ADA: every ADA_INTERVAL steps, raise p when E[sign D(real)] is above ``target`` (D is
    sure of the real images: it overfits them), lower it when below."""
    total, count = player.overfit
    if count < ADA_INTERVAL:
        return
    step = np.sign(total / count - target) * count * batch_size / ADA_IMAGES
    player.augment_p = float(np.clip(player.augment_p + step, 0.0, 1.0))
    player.overfit = [0.0, 0.0]
