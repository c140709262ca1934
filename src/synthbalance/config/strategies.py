"""``strategies``: which strategies run, and how classical augmentation looks."""
# ruff: noqa: RUF001 -- Markdown prose: its multiplication and minus signs are meant

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from synthbalance.strategies import REGISTRY, known


class AugmentParams(BaseModel):
    """Classical augmentation of real images (torchvision transforms v2)."""

    model_config = ConfigDict(extra="forbid")

    rotation: float = Field(
        15, ge=0, le=180, description="Largest rotation, in degrees, either way"
    )
    translate: float = Field(
        0.1, ge=0, lt=1, description="Largest shift, as a fraction of the size, either way"
    )
    scale: tuple[float, float] = Field(
        (0.9, 1.1), description="Range (min, max) of the random scale factor"
    )
    brightness: float = Field(
        0.2, ge=0, le=1, description="Brightness jitter: a factor drawn from [1 − b, 1 + b]"
    )
    horizontal_flip: bool = Field(
        False, description="Flip half the images left to right; off for digits: a flipped 5 is "
        "no 5"
    )  # fmt: skip


class StrategiesParams(BaseModel):
    """Which strategies run, and how classical augmentation looks."""

    model_config = ConfigDict(extra="forbid")

    run: list[str] = Field(
        default_factory=lambda: list(REGISTRY), min_length=1,
        json_schema_extra={"checks": "each a name in `synthbalance.strategies.REGISTRY`"},
        description="The strategies to build, train and score, in this order (the order of the "
        "comparison's rows). It shapes the DAG: read when the pipeline is built "
        "([below](#build-time-parameters))",
    )  # fmt: skip
    augment: AugmentParams = Field(
        default_factory=AugmentParams, description="Classical augmentation of real images "
        "(torchvision transforms v2), used by the `augment` and `gan_augment` strategies"
    )  # fmt: skip

    @field_validator("run")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        return known(names, "strategies.run")
