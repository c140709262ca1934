"""What training shows of itself on the way: EMA grids of fixed noise, and the EMA samples
the quality pipeline scores against steps."""

from __future__ import annotations

import numpy as np
import torch

from synthbalance.core.grid import tile
from synthbalance.models.gan import ImageGenerator
from synthbalance.models.pixels import to_uint8


def progress_grid(players: list, bundle: ImageGenerator, noise: torch.Tensor) -> np.ndarray:
    """EMA samples of fixed noise, one row per class -> uint8 (H, W, C)."""
    rows = []
    with torch.no_grad():
        for player in players:
            labels = range(len(bundle.class_names)) if player.name == "all" else [int(player.name)]
            for label in labels:
                y = torch.full((len(noise),), label, device=noise.device)
                rows.append(player.ema.module(noise, y if player.labels is not None else None))
    images = (torch.cat(rows).clamp(-1, 1) + 1) / 2  # [-1, 1] -> [0, 1]
    if images.shape[1] == 1:
        images = images.expand(-1, 3, -1, -1)  # three channels, as the grids always had
    grid = tile(images, len(noise), padding=2)
    return (grid.permute(1, 2, 0) * 255).round().to(torch.uint8).cpu().numpy()


@torch.no_grad()
def monitor_samples(players: list, bundle: ImageGenerator, noise: torch.Tensor):
    """EMA samples of fixed noise, ``len(noise)`` per generated class: (uint8 images, labels)
    on the CPU, for the quality pipeline to score against training steps."""
    images, labels = [], []
    for player in players:
        classes = bundle.classes if player.name == "all" else [int(player.name)]
        for label in classes:
            for z in noise.split(256):
                y = torch.full((len(z),), label, device=z.device)
                out = player.ema.module(z, y if player.labels is not None else None)
                images.append(torch.from_numpy(to_uint8(out.float().cpu())))
                labels.append(y.cpu())
    return torch.cat(images), torch.cat(labels)
