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


def replicate_seed(seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate``: every stream of that replicate derives from it.

    Replicate 0 keeps the project seed itself, so a one-replicate run draws what the run of
    that seed always drew; replicate r > 0 gets a seed of its own stream of ``seed``. It
    depends on ``seed`` and ``replicate`` only, never on how many replicates run: a run of R
    replicates and one of R + 2 share their first R.
    """
    if replicate < 0:
        raise ValueError(f"a replicate is numbered from 0, got {replicate}")
    if replicate == 0:
        return seed
    return int(make_rng(seed, f"replicate.{replicate}").integers(2**31))
