"""``imbalance.profile``: each profile turns the per-class counts of the full train split into
the number of images to keep of each class. Chosen by ``kind`` in parameters_imbalance.yml."""
# ruff: noqa: RUF001 -- Markdown prose: its multiplication and minus signs are meant

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from synthbalance.core.images import ClassRef, ImageSet

Fraction = Annotated[float, Field(gt=0, le=1)]
KIND = "Selects this profile"


class _Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def relabel(self, image_set: ImageSet) -> ImageSet:
        """The task's labels; all profiles but one_vs_rest keep the dataset's own."""
        return image_set


class OneVsRest(_Profile):
    """Binary task, class ``positive_class`` against the rest; keep a fraction of it."""

    kind: Literal["one_vs_rest"] = Field("one_vs_rest", description=KIND)
    positive_class: ClassRef = Field(
        5,
        json_schema_extra={"checks": "in the data"},
        description="The class made rare, by "
        "label (`5`) or name; the task becomes this class against the rest (`not 5`, `5`)",
    )
    keep_fraction: Fraction = Field(
        0.05, description="Share of the positive class kept: `round(keep_fraction × n)` images"
    )

    def relabel(self, image_set: ImageSet) -> ImageSet:
        positive = image_set.class_index(self.positive_class)
        name = image_set.class_names[positive]
        labels = (image_set.labels == positive).astype(np.int64)
        return image_set.relabel(labels, (f"not {name}", name))

    def targets(self, image_set: ImageSet) -> dict[int, int]:
        # After relabel: label 1 is the positive class.
        return {1: _fraction_of(image_set, 1, self.keep_fraction)}


class Minority(_Profile):
    """Keep a fraction of each listed class (its own fraction or one for all)."""

    kind: Literal["minority"] = Field("minority", description=KIND)
    classes: list[ClassRef] = Field(
        min_length=1,
        json_schema_extra={"checks": "each in the data, once"},
        description="The classes made rare, by label or name",
    )
    keep_fraction: Fraction | list[Fraction] = Field(
        json_schema_extra={"checks": "a list: one per class"},
        description="Share of each listed "
        "class kept, `round(f × n)`: one number for all, or a list with one per class",
    )

    def targets(self, image_set: ImageSet) -> dict[int, int]:
        fractions = self.keep_fraction
        if isinstance(fractions, list) and len(fractions) != len(self.classes):
            raise ValueError(
                f"minority: {len(fractions)} keep fractions for {len(self.classes)} classes; "
                f"give one fraction per listed class, or a single number for all"
            )
        if not isinstance(fractions, list):
            fractions = [fractions] * len(self.classes)
        labels = _labels(image_set, self.classes)
        return {
            label: _fraction_of(image_set, label, f)
            for label, f in zip(labels, fractions, strict=True)
        }


class Step(_Profile):
    """The listed classes cut to 1/ratio of the largest class; the rest intact."""

    kind: Literal["step"] = Field("step", description=KIND)
    classes: list[ClassRef] = Field(
        min_length=1,
        json_schema_extra={"checks": "each in the data, once"},
        description="The classes cut to `round(largest / ratio)` images; the others stay whole",
    )
    ratio: float = Field(ge=1, description="Largest class count / minority class count")

    def targets(self, image_set: ImageSet) -> dict[int, int]:
        counts = image_set.class_counts()
        target = round(counts.max() / self.ratio)
        return {
            label: _at_most(image_set, label, target) for label in _labels(image_set, self.classes)
        }


class LongTail(_Profile):
    """Exponential counts n_i = n_head * ratio^(-i / (K - 1)) over the K classes in ``order``.

    ``n_head`` is the smallest class's count in the full split, so every target exists
    and largest / smallest equals ``ratio`` up to rounding.
    """

    kind: Literal["long_tail"] = Field("long_tail", description=KIND)
    ratio: float = Field(ge=1, description="Largest class count / smallest class count")
    order: list[ClassRef] | None = Field(
        None,
        json_schema_extra={"checks": "every class once"},
        description="Head first; default label order",
    )

    def targets(self, image_set: ImageSet) -> dict[int, int]:
        order = _labels(image_set, self.order) if self.order else list(range(image_set.num_classes))
        if sorted(order) != list(range(image_set.num_classes)):
            raise ValueError(
                f"long_tail: order must list every class once; got {self.order} for "
                f"classes {list(image_set.class_names)}"
            )
        head = image_set.class_counts().min()
        steps = max(len(order) - 1, 1)
        return {
            label: _nonzero(image_set, label, round(head * self.ratio ** (-rank / steps)))
            for rank, label in enumerate(order)
        }


class Counts(_Profile):
    """An explicit target count per listed class; unlisted classes stay intact."""

    kind: Literal["counts"] = Field("counts", description=KIND)
    counts: dict[ClassRef, PositiveInt] = Field(
        min_length=1,
        json_schema_extra={"checks": "each ≤ the class's images"},
        description="Exactly this many images of each listed class (label or name: count); "
        "unlisted classes stay whole",
    )

    def targets(self, image_set: ImageSet) -> dict[int, int]:
        labels = _labels(image_set, list(self.counts))
        return {
            label: _at_most(image_set, label, n, strict=True)
            for label, n in zip(labels, self.counts.values(), strict=True)
        }


Profile = Annotated[OneVsRest | Minority | Step | LongTail | Counts, Field(discriminator="kind")]


def _labels(image_set: ImageSet, classes: list[ClassRef]) -> list[int]:
    labels = [image_set.class_index(c) for c in classes]
    if len(set(labels)) != len(labels):
        raise ValueError(f"a class is listed twice in {classes}")
    return labels


def _name(image_set: ImageSet, label: int) -> str:
    return repr(image_set.class_names[label])


def _nonzero(image_set: ImageSet, label: int, target: int) -> int:
    if target < 1:
        raise ValueError(
            f"this profile leaves class {_name(image_set, label)} with 0 of its "
            f"{image_set.class_counts()[label]} images; keep a larger fraction or a smaller ratio"
        )
    return target


def _fraction_of(image_set: ImageSet, label: int, fraction: float) -> int:
    return _nonzero(image_set, label, round(fraction * image_set.class_counts()[label]))


def _at_most(image_set: ImageSet, label: int, target: int, strict: bool = False) -> int:
    available = image_set.class_counts()[label]
    if strict and target > available:
        raise ValueError(
            f"counts asks for {target} images of class {_name(image_set, label)}, which has "
            f"only {available}; ask for at most {available}"
        )
    return _nonzero(image_set, label, min(target, available))
