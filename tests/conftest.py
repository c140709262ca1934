"""Shared fixtures: tiny ImageSets built in a few lines, and no network for Kedro."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from synthbalance.images import ImageSet

# Kedro's telemetry would try the network at every session; the network is closed here.
os.environ["KEDRO_DISABLE_TELEMETRY"] = "1"

PROJECT = Path(__file__).parents[1]


def copy_project(folder: Path) -> Path:
    """A copy of the project's conf/, src/ and pyproject.toml in ``folder``: a `kedro run`
    there has its own data/ and mlflow.db."""
    for name in ("conf", "src"):
        shutil.copytree(PROJECT / name, folder / name,
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(PROJECT / "pyproject.toml", folder)
    return folder


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
