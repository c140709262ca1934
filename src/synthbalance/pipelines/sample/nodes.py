"""sample: draw synthetic images of the rare classes from the trained generator."""

from __future__ import annotations

import logging

import numpy as np
import torch
from PIL import Image

from synthbalance.config import SampleParams
from synthbalance.core import progress
from synthbalance.core.charts import real_and_generated_grid
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import torch_generator
from synthbalance.models.gan import ImageGenerator
from synthbalance.models.pixels import to_uint8, to_unit

logger = logging.getLogger(__name__)


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


def _sample_class(generator, train, label, count, params, rng) -> tuple[np.ndarray, dict]:
    """(up to ``count`` images of class ``label``, its count and acceptance rate as metrics)."""
    threshold = None
    if params.filter == "discriminator":
        threshold = _threshold(generator, train, label, params.filter_quantile)
    images, drawn = _draw(generator, label, count, threshold, params, rng)
    name = train.class_names[label]
    if len(images) < count:
        logger.warning(
            "sample: the filter accepted only %d of the %d images wanted of class %r after "
            "%d draws (max_draws); the synthetic set is short by %d",
            len(images),
            count,
            name,
            drawn,
            count - len(images),
        )
    logger.info("sample: %d images of class %r (%d drawn)", len(images), name, drawn)
    metrics = {f"{name}.count": len(images), f"{name}.acceptance_rate": len(images) / drawn}
    return images, {key: {"value": value, "step": 0} for key, value in metrics.items()}


def sample_synthetic(
    generator: ImageGenerator, train_imbalanced: ImageSet, params: SampleParams, seed: int
) -> tuple[ImageSet, Image.Image, dict]:
    """(synthetic, synthetic_grid, sample_metrics): enough images of each generated class
    to reach the target, origin "synthetic", uint8 like the real ones."""
    _check_fits(generator, train_imbalanced)
    generator = generator.eval()
    rng = torch_generator(seed, "sample")
    images, labels, metrics = [], [], {}
    wanted = synthetic_counts(train_imbalanced, generator.classes, params)
    for label, count in progress.bar(list(wanted.items()), "sampling", unit="class"):
        if count == 0:
            continue
        drawn, class_metrics = _sample_class(generator, train_imbalanced, label, count, params, rng)
        metrics |= class_metrics
        images.append(drawn)
        labels.append(np.full(len(drawn), label))
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
    return synthetic, real_and_generated_grid(train_imbalanced, synthetic), metrics
