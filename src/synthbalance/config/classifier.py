"""``classifier``: one architecture, budget and selection rule for every strategy."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator


class ClassifierParams(BaseModel):
    """One architecture, budget and selection rule for every strategy."""

    model_config = ConfigDict(extra="forbid")

    architecture: Literal["cnn", "mlp"] = Field(
        "cnn", description="`cnn`: a small CNN (two convolutions); `mlp`: the seeds' classifier "
        "(two hidden layers on the flattened pixels)"
    )  # fmt: skip
    width: PositiveInt = Field(
        16, description="Channels of the first convolution (cnn; the second has twice as many), "
        "or units of the first hidden layer (mlp)"
    )  # fmt: skip
    steps: PositiveInt = Field(
        1500, description="Optimiser steps, the same for every strategy whatever the size of its "
        "training set"
    )  # fmt: skip
    batch_size: PositiveInt = Field(
        128, description="Images per step, drawn at random (with replacement) from the training set"
    )
    lr: float = Field(1e-3, gt=0, description="Adam learning rate")
    eval_every: PositiveInt = Field(
        250, description="Score the real validation set every this many steps (and at the last); "
        "the weights with the best `select_by` are kept"
    )  # fmt: skip
    select_by: Literal["balanced_accuracy", "macro_f1"] = Field(
        "balanced_accuracy", description="The validation metric that picks the kept weights"
    )
    seeds: list[int] = Field(
        [0], min_length=1, json_schema_extra={"checks": "distinct"},
        description="One classifier per seed. A seed changes only the network's initial weights "
        "and batch order; `[0, 1, 2]` gives a mean, standard deviation and 95% interval (and three "
        "times the evaluate stage's time)",
    )  # fmt: skip
    world_size: PositiveInt = Field(
        1, description="Processes training together under DDP (gloo, on the CPU), launched by "
        "torchrun on this machine; 1: this process alone. One torchrun launch per training (all "
        "its seeds): [distributed.md](distributed.md)"
    )  # fmt: skip

    @field_validator("seeds")
    @classmethod
    def _distinct(cls, seeds: list[int]) -> list[int]:
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct, got {seeds}")
        return seeds
