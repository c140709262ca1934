"""sample: draw synthetic images of the rare classes from the trained generator."""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import torch
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, PositiveInt
from torchvision.utils import make_grid

from synthbalance.images import ImageSet
from synthbalance.models.edge import to_uint8, to_unit
from synthbalance.models.gan import ImageGenerator
from synthbalance.seeding import torch_generator

logger = logging.getLogger(__name__)


class SampleParams(BaseModel):
    """How many synthetic images of each class, and which of them to keep."""

    model_config = ConfigDict(extra="forbid")

    target_ratio: float = Field(1.0, gt=0, description="top each class up to ratio x largest")
    per_class: PositiveInt | None = Field(None, description="instead: this many of each class")
    filter: Literal["none", "discriminator"] = "none"
    filter_quantile: float = Field(
        0.1, ge=0, lt=1, description="keep samples the critic scores above this quantile of real"
    )
    max_draws: float = Field(10, ge=1, description="draw at most this x the count per class")
    batch_size: PositiveInt = 256


def synthetic_counts(train: ImageSet, classes: list[int], params: SampleParams) -> dict[int, int]:
    """How many synthetic images each generated class needs."""
    counts = train.class_counts()
    if params.per_class is not None:
        return {label: params.per_class for label in classes}
    target = round(params.target_ratio * counts.max())
    return {label: max(0, target - int(counts[label])) for label in classes}


def _check_fits(generator: ImageGenerator, train: ImageSet) -> None:
    shape = (generator.channels, generator.image_size, generator.image_size)
    if tuple(generator.class_names) != train.class_names or train.images.shape[1:] != shape:
        raise ValueError(
            f"the generator was trained on classes {generator.class_names} of shape {shape}, "
            f"but the training data has classes {list(train.class_names)} of shape "
            f"{train.images.shape[1:]}; run the gan pipeline again on this data"
        )


@torch.inference_mode()
def _draw(generator, label, count, threshold, params, rng) -> tuple[np.ndarray, int]:
    """``count`` images of class ``label`` scoring >= threshold: (images, how many drawn)."""
    kept, n_kept, drawn = [], 0, 0
    limit = max(int(params.max_draws * count), count)  # whole images: the loop must end
    while n_kept < count and drawn < limit:
        # Unfiltered: exactly what is missing. Filtered: full batches, within the draw budget.
        n = min(params.batch_size, count - n_kept if threshold is None else limit - drawn)
        z = torch.randn(n, generator.z_dim, generator=rng)
        labels = torch.full((n,), label)
        images = generator(z, labels)
        if threshold is not None:
            images = images[generator.critic(images, labels) >= threshold]
        kept.append(to_uint8(images[: count - n_kept]))
        n_kept += len(kept[-1])
        drawn += n
    return np.concatenate(kept), drawn


@torch.inference_mode()
def _threshold(generator: ImageGenerator, train: ImageSet, label: int, quantile: float) -> float:
    real = to_unit(train.images[train.labels == label])
    scores = generator.critic(real, torch.full((len(real),), label))
    return float(torch.quantile(scores, quantile))


def sample_synthetic(
    generator: ImageGenerator, train_imbalanced: ImageSet, params: SampleParams, seed: int
) -> tuple[ImageSet, Image.Image, dict]:
    """(synthetic, synthetic_grid, sample_metrics): enough images of each generated class
    to reach the target, origin "synthetic", uint8 like the real ones."""
    _check_fits(generator, train_imbalanced)
    generator = generator.eval()
    rng = torch_generator(seed, "sample")
    images, labels, metrics = [], [], {}
    for label, count in synthetic_counts(train_imbalanced, generator.classes, params).items():
        if count == 0:
            continue
        threshold = None
        if params.filter == "discriminator":
            threshold = _threshold(generator, train_imbalanced, label, params.filter_quantile)
        drawn_images, drawn = _draw(generator, label, count, threshold, params, rng)
        name = train_imbalanced.class_names[label]
        if len(drawn_images) < count:
            logger.warning(
                "sample: the filter accepted only %d of the %d images wanted of class %r after "
                "%d draws (max_draws); the synthetic set is short by %d",
                len(drawn_images), count, name, drawn, count - len(drawn_images),
            )  # fmt: skip
        metrics[f"{name}.count"] = {"value": len(drawn_images), "step": 0}
        metrics[f"{name}.acceptance_rate"] = {"value": len(drawn_images) / drawn, "step": 0}
        logger.info("sample: %d images of class %r (%d drawn)", len(drawn_images), name, drawn)
        images.append(drawn_images)
        labels.append(np.full(len(drawn_images), label))
    if not images:
        raise ValueError("sample: every generated class is already at the target; nothing to draw")
    if not sum(map(len, images)):
        raise ValueError(
            "sample: the discriminator filter rejected every sample; lower sample.filter_quantile, "
            "raise sample.max_draws, train the GAN longer, or set sample.filter: none"
        )
    synthetic = ImageSet(
        np.concatenate(images),
        np.concatenate(labels),
        train_imbalanced.class_names,
        np.full(sum(map(len, labels)), "synthetic"),
    )
    return synthetic, _real_and_synthetic_grid(train_imbalanced, synthetic), metrics


def _real_and_synthetic_grid(real: ImageSet, synthetic: ImageSet, columns: int = 10) -> Image.Image:
    """Per generated class, a row of real images above a row of synthetic ones."""
    rows = []
    for label in np.unique(synthetic.labels):
        for image_set in (real, synthetic):
            chosen = image_set.images[image_set.labels == label][:columns]
            row = np.zeros((columns, *chosen.shape[1:]), np.uint8)
            row[: len(chosen)] = chosen
            rows.append(torch.from_numpy(row))
    grid = make_grid(torch.cat(rows), nrow=columns, padding=2, pad_value=128)
    array = grid.permute(1, 2, 0).numpy()
    image = Image.fromarray(array[..., 0] if real.images.shape[1] == 1 else array)
    return image.resize((image.width * 2, image.height * 2), Image.Resampling.NEAREST)
