"""``strategies``: which strategies run, and how classical augmentation looks."""
# ruff: noqa: RUF001 -- Markdown prose: its multiplication and minus signs are meant

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator, model_validator

from synthbalance.config.engine import DEVICE, PRECISION, Device, Precision
from synthbalance.strategies import REGISTRY, known


class AugmentParams(BaseModel):
    """Classical augmentation of real images: each its own random affine transform, brightness
    and flip, a whole batch at a time (synthbalance/core/augmentation.py)."""

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
        False, description="Flip half the images left to right; off for digits: a flipped 5 is no 5"
    )


class LogitAdjustParams(BaseModel):
    """The logit-adjusted loss (Menon et al., ICLR 2021) of `logit_adjust`."""

    model_config = ConfigDict(extra="forbid")

    tau: float = Field(
        1.0,
        ge=0,
        description="The τ of τ·log(prior), which training adds to the logits (the "
        "prior: the training set's class shares); prediction uses the plain logits. 1: the "
        "Balanced Softmax loss",
    )


class ThresholdParams(BaseModel):
    """Post-hoc threshold moving of `threshold`: `none`'s networks, logits less τ·log(prior)."""

    model_config = ConfigDict(extra="forbid")

    taus: list[float] = Field(
        default_factory=lambda: [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0],
        min_length=1,
        description="The grid τ is chosen from, per replicate, by `classifier.select_by` on "
        "the validation set (of the τ tied at the best score, the nearest `fallback`; 0 is "
        "`none` itself)",
    )
    min_rare_validation: PositiveInt = Field(
        20,
        description="Choose τ on validation only when its rarest class has at least this "
        "many images; with fewer, one image moves the score by a lot, and τ is `fallback`",
    )
    fallback: float = Field(
        1.0,
        ge=0,
        description="τ when the validation set is too small to choose it (and the "
        "preferred τ among ties): 1 is the adjustment that is Bayes-optimal for balanced error "
        "(Menon et al., ICLR 2021)",
    )

    @field_validator("taus")
    @classmethod
    def _not_negative(cls, taus: list[float]) -> list[float]:
        if any(tau < 0 for tau in taus):
            raise ValueError(
                f"each τ must be 0 or more (τ < 0 favours the common classes), got {taus}"
            )
        return taus


class LdamDrwParams(BaseModel):
    """LDAM with deferred re-weighting (Cao et al., NeurIPS 2019) of `ldam_drw`."""

    model_config = ConfigDict(extra="forbid")

    max_margin: float = Field(
        0.5, gt=0, le=1, description="The rarest class's margin; each class's is ∝ n_c^(-1/4)"
    )
    scale: float = Field(30.0, gt=0, description="The scale s of the cosine logits in the loss")
    beta: float = Field(
        0.9999,
        gt=0,
        lt=1,
        description="The β of the effective-number weights "
        "(1 − β) / (1 − β^n_c) the re-weighting uses",
    )
    drw_start: float = Field(
        0.8,
        ge=0,
        le=1,
        description="The share of `classifier.steps` trained unweighted "
        "before the re-weighting starts (the paper: 160 of 200 epochs)",
    )


class DeepSmoteParams(BaseModel):
    """DeepSMOTE (Dablain, Krawczyk & Chawla, 2022) of `deepsmote`: an autoencoder trained on
    the imbalanced training set, SMOTE between same-class codes, decoded."""

    model_config = ConfigDict(extra="forbid")

    code: PositiveInt = Field(300, description="Size of the latent code (the paper's n_z)")
    width: PositiveInt = Field(
        32,
        description="Channels of the encoder's first convolution (the decoder mirrors it): "
        "the GAN's default widths, so the two generative strategies have networks of one size",
    )
    steps: PositiveInt = Field(
        1200,
        description="Optimiser steps of the autoencoder; each is one batch of the "
        "training set plus the penalty on one class's images",
    )
    batch_size: PositiveInt = Field(100, description="Images per reconstruction batch")
    penalty_images: PositiveInt = Field(
        100,
        description="At most this many images of one class drawn at random each step for "
        "the penalty: their codes, shifted by one, decoded against the images shifted alike",
    )
    lr: float = Field(2e-3, gt=0, description="Adam learning rate (the peak, under `cosine`)")
    schedule: Literal["constant", "cosine"] = Field(
        "cosine",
        description="`constant`: `lr` at every step (the paper's); `cosine`: a "
        "linear warm-up over the first 5% of the steps, then a cosine decay to zero at the last",
    )
    device: Device = Field("auto", description=f"{DEVICE} (the autoencoder's training)")
    precision: Precision = Field("auto", description=PRECISION)
    neighbours: PositiveInt = Field(
        5,
        description="SMOTE's k: each new code lies between a code and one of its k nearest "
        "codes of the same class",
    )


class StrategiesParams(BaseModel):
    """Which strategies run, and how classical augmentation looks."""

    model_config = ConfigDict(extra="forbid")

    run: list[str] = Field(
        default_factory=lambda: list(REGISTRY),
        min_length=1,
        json_schema_extra={"checks": "each a name in `synthbalance.strategies.REGISTRY`"},
        description="The strategies to build, train and score, in this order (the order of the "
        "comparison's rows). It shapes the DAG: read when the pipeline is built "
        "([below](#build-time-parameters))",
    )
    augment: AugmentParams = Field(
        default_factory=AugmentParams,
        description="Classical augmentation of real images "
        "(each image its own random rotation, shift, scale, brightness and flip; a batch at a "
        "time), used by the `augment` and `gan_augment` strategies",
    )
    logit_adjust: LogitAdjustParams = Field(
        default_factory=LogitAdjustParams, description="The logit-adjusted loss of `logit_adjust`"
    )
    threshold: ThresholdParams = Field(
        default_factory=ThresholdParams, description="Post-hoc threshold moving of `threshold`"
    )
    ldam_drw: LdamDrwParams = Field(
        default_factory=LdamDrwParams, description="LDAM with deferred re-weighting of `ldam_drw`"
    )
    deepsmote: DeepSmoteParams = Field(
        default_factory=DeepSmoteParams, description="DeepSMOTE's autoencoder and interpolation"
    )

    @field_validator("run")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        return known(names, "strategies.run")

    @model_validator(mode="after")
    def _reused_networks_run(self) -> StrategiesParams:
        for name in self.run:
            source = REGISTRY[name].adjusts
            if source is not None and source not in self.run:
                raise ValueError(
                    f"strategies.run lists {name!r}, which adjusts the networks of {source!r} "
                    f"at prediction, but not {source!r}: add {source!r} to strategies.run"
                )
        return self
