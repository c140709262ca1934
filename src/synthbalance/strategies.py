"""The strategy registry: every rebalancing strategy, said once.

A record names the strategy, its builder, its family, the loss its classifier trains with
(``training.losses``), and, for ``threshold``, the strategy whose trained networks it adjusts
at prediction instead of training its own. A builder's keyword arguments say which inputs it
needs (the datasets in ``DATASETS``, the augmentation settings ``augment``, its own seeded
``rng``); the pipeline hands it those and nothing else, so only ``oracle`` ever sees
``train_full``.

Every strategy that adds images brings each rare class (the classes in ``synthetic``) to the
same count as ``gan`` does, so strategies differ in where the images come from, not in how
many there are. Origins are kept per image: real, duplicated, smote, augmented, synthetic,
deepsmote.
Adding a strategy is one builder, one entry in ``REGISTRY`` and its test (docs/extending.md).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from imblearn.over_sampling import SMOTE, RandomOverSampler

from synthbalance.core.augmentation import augment_images
from synthbalance.core.images import ImageSet, concat

# ``augment`` below is the ``strategies.augment`` block (``config.AugmentParams``): rotation,
# translate, scale, brightness, horizontal_flip. Typed as Any so that this module, which the
# config validates ``strategies.run`` against, does not import the config back.
AugmentParams = Any

# The datasets a builder may ask for, by the name of its keyword argument.
DATASETS = ("train_imbalanced", "synthetic", "deepsmote", "train_full", "validation")
Family = Literal["baseline", "simple", "generative", "upper_bound"]


@dataclass(frozen=True)
class Strategy:
    name: str
    build: Callable[..., ImageSet]
    family: Family
    # the loss its classifier trains with: a training.losses.Kind (named, not imported: the
    # registry sits below the training code, which the strategies' nodes call)
    loss: str = "cross_entropy"
    adjusts: str | None = None  # the strategy whose networks it adjusts instead of training
    in_verdict: bool = True  # a generative strategy the verdict sets against the simple ones
    rival: bool = False  # a non-GAN generative strategy the GAN strategies are set against

    @property
    def needs(self) -> tuple[str, ...]:
        """The datasets its builder reads, in ``DATASETS``' order."""
        arguments = inspect.signature(self.build).parameters
        return tuple(name for name in DATASETS if name in arguments)

    def build_train_set(
        self, datasets: dict[str, ImageSet], augment: AugmentParams, rng: np.random.Generator
    ) -> ImageSet:
        """The builder called with what its signature names, and only that."""
        arguments = inspect.signature(self.build).parameters
        offered = {**datasets, "augment": augment, "rng": rng}
        return self.build(**{name: offered[name] for name in arguments})


def _with_origin(image_set: ImageSet, origin: str) -> ImageSet:
    return ImageSet(
        image_set.images, image_set.labels, image_set.class_names, np.full(len(image_set), origin)
    )


def _real(train: ImageSet) -> ImageSet:
    return _with_origin(train, "real") if train.origin is None else train


def _targets(train: ImageSet, synthetic: ImageSet) -> dict[int, int]:
    """Each rare class's count once rebalanced: its real images plus the synthetic ones."""
    real, extra = train.class_counts(), synthetic.class_counts()
    return {int(c): int(real[c] + extra[c]) for c in np.flatnonzero(extra)}


def _augmented(
    train: ImageSet, counts: dict[int, int], augment: AugmentParams, rng: np.random.Generator
) -> ImageSet:
    """``counts[c]`` augmented copies of real images of each class c, drawn with replacement."""
    picks = [rng.choice(np.flatnonzero(train.labels == c), n) for c, n in counts.items()]
    chosen = train.take(np.concatenate(picks).astype(np.int64))
    images = augment_images(chosen.images, augment, int(rng.integers(2**62)))
    return ImageSet(images, chosen.labels, chosen.class_names, np.full(len(chosen), "augmented"))


def build_none(train_imbalanced: ImageSet) -> ImageSet:
    return _real(train_imbalanced)


def build_class_weight(train_imbalanced: ImageSet) -> ImageSet:
    # The same images as `none`: the classifier weights its loss by class (the registry says so).
    return _real(train_imbalanced)


def build_oversample(train_imbalanced: ImageSet, synthetic: ImageSet, rng) -> ImageSet:
    train = _real(train_imbalanced)
    sampler = RandomOverSampler(
        sampling_strategy=_targets(train_imbalanced, synthetic),
        random_state=int(rng.integers(2**31)),
    )
    index, _ = sampler.fit_resample(np.arange(len(train)).reshape(-1, 1), train.labels)
    added = train.take(index[len(train) :, 0])
    return concat([train, _with_origin(added, "duplicated")])


def build_smote(train_imbalanced: ImageSet, synthetic: ImageSet, rng) -> ImageSet:
    train, targets = _real(train_imbalanced), _targets(train_imbalanced, synthetic)
    smallest = min(train.class_counts()[c] for c in targets)
    if smallest < 2:
        raise ValueError("smote needs at least 2 real images of each rare class to interpolate")
    smote = SMOTE(
        sampling_strategy=targets,
        k_neighbors=min(5, smallest - 1),
        random_state=int(rng.integers(2**31)),
    )
    pixels = train.images.reshape(len(train), -1).astype(np.float32)
    resampled, labels = smote.fit_resample(pixels, train.labels)
    new = np.clip(np.round(resampled[len(train) :]), 0, 255).astype(np.uint8)
    added = ImageSet(
        new.reshape(-1, *train.images.shape[1:]),
        labels[len(train) :],
        train.class_names,
        np.full(len(new), "smote"),
    )
    return concat([train, added])


def build_augment(train_imbalanced: ImageSet, synthetic: ImageSet, augment, rng) -> ImageSet:
    counts = {c: int(n) for c, n in enumerate(synthetic.class_counts()) if n}
    return concat([_real(train_imbalanced), _augmented(train_imbalanced, counts, augment, rng)])


def build_deepsmote(train_imbalanced: ImageSet, deepsmote: ImageSet) -> ImageSet:
    """The real images and DeepSMOTE's decoded ones (``pipelines/deepsmote``)."""
    return concat([_real(train_imbalanced), deepsmote])


def build_gan(train_imbalanced: ImageSet, synthetic: ImageSet) -> ImageSet:
    return concat([_real(train_imbalanced), synthetic])


def build_gan_augment(train_imbalanced: ImageSet, synthetic: ImageSet, augment, rng) -> ImageSet:
    """Half of gan's extra images synthetic, half augmented real: the same count as gan."""
    keep = np.concatenate(
        [
            rng.permutation(np.flatnonzero(synthetic.labels == c))[: n // 2]
            for c, n in enumerate(synthetic.class_counts())
            if n
        ]
    )
    counts = {c: int(n - n // 2) for c, n in enumerate(synthetic.class_counts()) if n}
    augmented = _augmented(train_imbalanced, counts, augment, rng)
    return concat([_real(train_imbalanced), synthetic.take(np.sort(keep)), augmented])


def build_synthetic_only(train_imbalanced: ImageSet, synthetic: ImageSet) -> ImageSet:
    """The rare classes' real images replaced by synthetic ones: what the GAN alone carries."""
    train = _real(train_imbalanced)
    rare = list(_targets(train_imbalanced, synthetic))
    return concat([train.take(np.flatnonzero(~np.isin(train.labels, rare))), synthetic])


def build_oracle(train_full: ImageSet, validation: ImageSet) -> ImageSet:
    """The full real train split, less the validation images (model selection stays fair)."""
    held = {image.tobytes() for image in validation.images}
    keep = np.array([image.tobytes() not in held for image in train_full.images])
    return _with_origin(train_full.take(np.flatnonzero(keep)), "real")


REGISTRY: dict[str, Strategy] = {
    s.name: s
    for s in [
        Strategy("none", build_none, "baseline"),
        Strategy("oversample", build_oversample, "simple"),
        Strategy("smote", build_smote, "simple"),
        Strategy("augment", build_augment, "simple"),
        Strategy("class_weight", build_class_weight, "simple", loss="class_weight"),
        # The same images as `none`: only the loss (or, for threshold, the prediction) differs.
        Strategy("logit_adjust", build_none, "simple", loss="logit_adjust"),
        Strategy("threshold", build_none, "simple", adjusts="none"),
        Strategy("ldam_drw", build_none, "simple", loss="ldam_drw"),
        Strategy("gan", build_gan, "generative"),
        Strategy("gan_augment", build_gan_augment, "generative"),
        # An ablation: the rare classes' real images left out, so not a rebalancing to choose.
        Strategy("synthetic_only", build_synthetic_only, "generative", in_verdict=False),
        Strategy("deepsmote", build_deepsmote, "generative", rival=True),
        Strategy("oracle", build_oracle, "upper_bound"),
    ]
}


def of_family(*families: Family) -> list[str]:
    """The registered strategies of these families, in the registry's order."""
    return [name for name, s in REGISTRY.items() if s.family in families]


def known(names: list[str], what: str) -> list[str]:
    """``names`` when each is a registered strategy; else a clear error naming the others."""
    unknown = [name for name in names if name not in REGISTRY]
    if unknown or not names:
        raise ValueError(f"{what} lists {unknown or 'nothing'}; choose from {sorted(REGISTRY)}")
    return list(names)
