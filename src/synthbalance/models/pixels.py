"""The models' edge: uint8 images in [0, 255] become float tensors in [-1, 1], and back."""

from __future__ import annotations

import numpy as np
import torch


def to_unit(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """uint8 (N, C, H, W) -> float32 in [-1, 1]."""
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(np.array(images))
    return images.float() / 127.5 - 1


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """float in [-1, 1] -> uint8 (N, C, H, W) in [0, 255]."""
    return ((images + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()
