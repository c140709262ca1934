"""strategies: the training set of every rebalancing strategy, each from the same inputs.

Every strategy that adds images brings each rare class (the classes in ``synthetic``) to the
same count as ``gan`` does, so strategies differ in where the images come from, not in how
many there are. Origins are kept per image: real, duplicated, smote, augmented, synthetic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from imblearn.over_sampling import SMOTE, RandomOverSampler
from pydantic import BaseModel, ConfigDict, Field, field_validator
from torchvision.transforms import v2

from synthbalance.images import ImageSet, concat
from synthbalance.seeding import make_rng


class AugmentParams(BaseModel):
    """Classical augmentation of real images (torchvision transforms v2)."""

    model_config = ConfigDict(extra="forbid")

    rotation: float = Field(15, ge=0, le=180, description="degrees, either way")
    translate: float = Field(0.1, ge=0, lt=1, description="fraction of the size, either way")
    scale: tuple[float, float] = (0.9, 1.1)
    brightness: float = Field(0.2, ge=0, le=1)
    horizontal_flip: bool = Field(False, description="off for digits: a flipped 5 is no 5")


class StrategiesParams(BaseModel):
    """Which strategies run, and how classical augmentation looks."""

    model_config = ConfigDict(extra="forbid")

    run: list[str] = Field(default_factory=lambda: list(BUILDERS), min_length=1)
    augment: AugmentParams = Field(default_factory=AugmentParams)

    @field_validator("run")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        unknown = [name for name in names if name not in BUILDERS]
        if unknown:
            raise ValueError(f"unknown strategies {unknown}; choose from {sorted(BUILDERS)}")
        return names


@dataclass(frozen=True)
class Inputs:
    """What a builder may use. ``train_full`` is for ``oracle`` only."""

    train: ImageSet  # train_imbalanced
    synthetic: ImageSet
    train_full: ImageSet
    validation: ImageSet
    augment: AugmentParams
    rng: np.random.Generator

    def targets(self) -> dict[int, int]:
        """Each rare class's count once rebalanced: its real images plus the synthetic ones."""
        real, extra = self.train.class_counts(), self.synthetic.class_counts()
        return {int(c): int(real[c] + extra[c]) for c in np.flatnonzero(extra)}


def _with_origin(image_set: ImageSet, origin: str) -> ImageSet:
    return ImageSet(image_set.images, image_set.labels, image_set.class_names,
                    np.full(len(image_set), origin))  # fmt: skip


def _real(inputs: Inputs) -> ImageSet:
    return _with_origin(inputs.train, "real") if inputs.train.origin is None else inputs.train


def augment_images(images: np.ndarray, params: AugmentParams, seed: int) -> np.ndarray:
    """uint8 (N, C, H, W) -> the same, each image with its own random transform."""
    transform = v2.Compose(
        [
            v2.RandomAffine(params.rotation, (params.translate,) * 2, params.scale),
            v2.ColorJitter(brightness=params.brightness),
            v2.RandomHorizontalFlip(0.5 if params.horizontal_flip else 0.0),
        ]
    )
    with torch.random.fork_rng(devices=[]):  # v2 draws from torch's global generator
        torch.manual_seed(seed)
        batch = torch.from_numpy(np.array(images))
        return torch.stack([transform(image) for image in batch]).numpy()


def _augmented(inputs: Inputs, counts: dict[int, int]) -> ImageSet:
    """``counts[c]`` augmented copies of real images of each class c, drawn with replacement."""
    picks = [
        inputs.rng.choice(np.flatnonzero(inputs.train.labels == c), n) for c, n in counts.items()
    ]
    chosen = inputs.train.take(np.concatenate(picks).astype(np.int64))
    images = augment_images(chosen.images, inputs.augment, int(inputs.rng.integers(2**62)))
    return ImageSet(images, chosen.labels, chosen.class_names, np.full(len(chosen), "augmented"))


def build_none(inputs: Inputs) -> ImageSet:
    return _real(inputs)


def build_class_weight(inputs: Inputs) -> ImageSet:
    # The same images as `none`: the classifier weights its loss by class (evaluate's job).
    return _real(inputs)


def build_oversample(inputs: Inputs) -> ImageSet:
    train = _real(inputs)
    sampler = RandomOverSampler(sampling_strategy=inputs.targets(),
                                random_state=int(inputs.rng.integers(2**31)))  # fmt: skip
    index, _ = sampler.fit_resample(np.arange(len(train)).reshape(-1, 1), train.labels)
    added = train.take(index[len(train) :, 0])
    return concat([train, _with_origin(added, "duplicated")])


def build_smote(inputs: Inputs) -> ImageSet:
    train = _real(inputs)
    smallest = min(train.class_counts()[c] for c in inputs.targets())
    if smallest < 2:
        raise ValueError("smote needs at least 2 real images of each rare class to interpolate")
    smote = SMOTE(sampling_strategy=inputs.targets(), k_neighbors=min(5, smallest - 1),
                  random_state=int(inputs.rng.integers(2**31)))  # fmt: skip
    pixels = train.images.reshape(len(train), -1).astype(np.float32)
    resampled, labels = smote.fit_resample(pixels, train.labels)
    new = np.clip(np.round(resampled[len(train) :]), 0, 255).astype(np.uint8)
    added = ImageSet(new.reshape(-1, *train.images.shape[1:]), labels[len(train) :],
                     train.class_names, np.full(len(new), "smote"))  # fmt: skip
    return concat([train, added])


def build_augment(inputs: Inputs) -> ImageSet:
    counts = {c: int(n) for c, n in enumerate(inputs.synthetic.class_counts()) if n}
    return concat([_real(inputs), _augmented(inputs, counts)])


def build_gan(inputs: Inputs) -> ImageSet:
    return concat([_real(inputs), inputs.synthetic])


def build_gan_augment(inputs: Inputs) -> ImageSet:
    """Half of gan's extra images synthetic, half augmented real: the same count as gan."""
    synthetic = inputs.synthetic
    keep = np.concatenate([inputs.rng.permutation(np.flatnonzero(synthetic.labels == c))[: n // 2]
                           for c, n in enumerate(synthetic.class_counts()) if n])  # fmt: skip
    counts = {c: int(n - n // 2) for c, n in enumerate(synthetic.class_counts()) if n}
    return concat([_real(inputs), synthetic.take(np.sort(keep)), _augmented(inputs, counts)])


def build_synthetic_only(inputs: Inputs) -> ImageSet:
    """The rare classes' real images replaced by synthetic ones: what the GAN alone carries."""
    train = _real(inputs)
    common = train.take(np.flatnonzero(~np.isin(train.labels, list(inputs.targets()))))
    return concat([common, inputs.synthetic])


def build_oracle(inputs: Inputs) -> ImageSet:
    """The full real train split, less the validation images (model selection stays fair)."""
    full = inputs.train_full
    held = {image.tobytes() for image in inputs.validation.images}
    keep = np.array([image.tobytes() not in held for image in full.images])
    return _with_origin(full.take(np.flatnonzero(keep)), "real")


BUILDERS: dict[str, Callable[[Inputs], ImageSet]] = {
    "none": build_none,
    "oversample": build_oversample,
    "smote": build_smote,
    "augment": build_augment,
    "class_weight": build_class_weight,
    "gan": build_gan,
    "gan_augment": build_gan_augment,
    "synthetic_only": build_synthetic_only,
    "oracle": build_oracle,
}


# Strategies whose classifier weights its loss by class instead of adding images.
WEIGHTED_LOSS = {"class_weight"}


def build_train_set(
    train_imbalanced: ImageSet,
    synthetic: ImageSet,
    train_full: ImageSet,
    validation: ImageSet,
    params: StrategiesParams,
    seed: int,
    strategy: str,
) -> ImageSet:
    """The training set of ``strategy``, from the same inputs as every other strategy."""
    if strategy not in BUILDERS:
        raise ValueError(f"unknown strategy {strategy!r}; known: {sorted(BUILDERS)}")
    inputs = Inputs(train_imbalanced, synthetic, train_full, validation, params.augment,
                    make_rng(seed, f"strategy.{strategy}"))  # fmt: skip
    return BUILDERS[strategy](inputs)
