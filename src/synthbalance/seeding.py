"""One seed derives every random generator: each stage draws from its own stream."""

from __future__ import annotations

import zlib

import numpy as np
import torch


def make_rng(seed: int, stage: str) -> np.random.Generator:
    """A generator for ``stage`` that depends only on ``seed`` and the stage's name.

    Streams of different stages are independent, so adding a random draw to one stage
    does not shift the numbers of another.
    """
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


def torch_generator(seed: int, stage: str, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch generator for ``stage``, derived from ``seed`` like ``make_rng``."""
    stage_seed = int(make_rng(seed, stage).integers(2**62))
    return torch.Generator(device).manual_seed(stage_seed)
