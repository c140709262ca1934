"""Learning-rate schedules shared by the loops that anneal (the classifier, DeepSMOTE's
autoencoder): ``constant``, ``cosine`` (a short linear warm-up, then a cosine to zero at the
last step, so the last weights are settled) and ``one_cycle`` (torch's OneCycleLR)."""

from __future__ import annotations

import math
from functools import partial

import torch


def lr_schedule(optimiser, schedule: str, lr: float, steps: int):
    """The scheduler of ``schedule`` over ``steps`` optimiser steps (None: constant)."""
    if schedule == "one_cycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimiser, lr, total_steps=steps)
    if schedule == "cosine":
        return torch.optim.lr_scheduler.LambdaLR(optimiser, partial(cosine, steps))
    if schedule != "constant":
        raise ValueError(f"schedule must be 'constant', 'cosine' or 'one_cycle', got {schedule!r}")
    return None


def cosine(steps: int, step: int) -> float:
    """The factor of the rate at ``step`` (0-based): a linear warm-up over the first 5% of
    ``steps``, then a cosine from 1 down to 0 at the last step."""
    warmup = max(1, steps // 20)
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step + 1 - warmup) / max(1, steps - warmup)))
