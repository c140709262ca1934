"""deepsmote: the non-GAN generative rival. An autoencoder learns from ``train_imbalanced``
alone, like the GAN; SMOTE between same-class codes, decoded, brings each rare class to the
count ``gan`` reaches (``synthetic``'s counts, never its images)."""

from __future__ import annotations

import pandas as pd
from PIL import Image

from synthbalance.config import StrategiesParams
from synthbalance.core.charts import real_and_generated_grid
from synthbalance.core.images import ImageSet
from synthbalance.models.autoencoder import Autoencoder
from synthbalance.training import deepsmote


def train_autoencoder(
    train_imbalanced: ImageSet, params: StrategiesParams, seed: int
) -> tuple[Autoencoder, pd.DataFrame]:
    """(the autoencoder, its training history: step, reconstruction, penalty)."""
    return deepsmote.train_autoencoder(train_imbalanced, params.deepsmote, seed)


def sample_deepsmote(
    autoencoder: Autoencoder,
    train_imbalanced: ImageSet,
    synthetic: ImageSet,
    params: StrategiesParams,
    seed: int,
) -> tuple[ImageSet, Image.Image]:
    """(as many decoded images of each rare class as ``synthetic`` holds, origin "deepsmote";
    a grid of real images above them)."""
    counts = {int(c): int(n) for c, n in enumerate(synthetic.class_counts()) if n}
    samples = deepsmote.oversample(
        autoencoder, train_imbalanced, counts, params.deepsmote.neighbours, seed
    )
    return samples, real_and_generated_grid(train_imbalanced, samples)
