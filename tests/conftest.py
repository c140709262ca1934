"""Shared fixtures: tiny ImageSets built in a few lines, and no network for Kedro."""

from __future__ import annotations

import os

import numpy as np
import pytest

from synthbalance.images import ImageSet

# Kedro's telemetry would try the network at every session; the network is closed here.
os.environ["KEDRO_DISABLE_TELEMETRY"] = "1"


def make_image_set(counts: list[int], channels: int = 1, size: int = 8, seed: int = 0) -> ImageSet:
    """``counts[k]`` random images of class k, labels grouped by class."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(counts)), counts)
    images = rng.integers(0, 256, size=(len(labels), channels, size, size), dtype=np.uint8)
    names = tuple(f"c{k}" for k in range(len(counts)))
    return ImageSet(images, labels, names, np.full(len(labels), "real"))


@pytest.fixture
def balanced_set() -> ImageSet:
    return make_image_set([100] * 5)
