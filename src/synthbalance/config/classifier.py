"""``classifier``: one architecture, budget and selection rule for every strategy."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from synthbalance.config.engine import DEVICE, PRECISION, Device, Precision


class NetworkParams(BaseModel):
    """How a classifier network is built and trained (the strategies' and the quality
    pipeline's feature extractor)."""

    model_config = ConfigDict(extra="forbid")

    architecture: Literal["cnn", "mlp", "vgg", "resnet"] = Field(
        "cnn",
        description="`cnn`: a small CNN (two convolutions); `mlp`: the seeds' classifier "
        "(two hidden layers on the flattened pixels); `vgg`: six 3x3 convolutions with batch "
        "norm in three stages, then a global average (for photos); `resnet`: a CIFAR ResNet-8 "
        "(three residual stages)",
    )
    width: PositiveInt = Field(
        16,
        description="Channels of the first convolution (cnn; the second has twice as many; "
        "vgg and resnet: the first stage, then 2x and 4x), or units of the first hidden "
        "layer (mlp)",
    )
    steps: PositiveInt = Field(
        1200,
        description="Optimiser steps, the same for every strategy whatever the size of its "
        "training set",
    )
    batch_size: PositiveInt = Field(
        128, description="Images per step, drawn at random (with replacement) from the training set"
    )
    batch_augment: list[Literal["flip", "crop"]] = Field(
        [],
        description="Random transforms of every training batch, the same for every strategy: "
        "`flip`: half the images mirrored left-right; `crop`: each image shifted by up to 4 "
        "pixels each way, zeros filling in (the usual pad-4-and-crop of CIFAR training). "
        "`[]`: the images as they are (digits: a mirrored 5 is not a 5)",
    )
    lr: float = Field(
        2e-3,
        gt=0,
        description="Adam learning rate: throughout (`constant`), or the peak of the "
        "one-cycle schedule",
    )
    schedule: Literal["constant", "one_cycle", "cosine"] = Field(
        "cosine",
        description="`constant`: `lr` at every step; `one_cycle`: warm up to `lr` "
        "over the first 30% of the steps, then anneal to nearly zero by the last (torch's "
        "OneCycleLR, cosine, Adam's beta1 cycled 0.95 -> 0.85 -> 0.95); `cosine`: a linear "
        "warm-up over the first 5% of the steps, then a cosine decay to zero at the last, so the "
        "last weights are settled",
    )
    eval_every: PositiveInt = Field(
        400,
        description="Score the real validation set every this many steps (and at the last) "
        "for the curve; with `keep: best`, the weights with the best `select_by` are kept",
    )
    select_by: Literal["balanced_accuracy", "macro_f1"] = Field(
        "balanced_accuracy",
        description="The validation metric that picks the kept weights (`keep: best`)",
    )
    keep: Literal["best", "last"] = Field(
        "last",
        description="`best`: the weights of the validation score (`eval_every`) with "
        "the best `select_by`; `last`: the weights of the last step (settled by an annealed "
        "`schedule`; validation is then only scored for the curve, and picks nothing)",
    )
    device: Device = Field(
        "auto", description=f"{DEVICE}. Training and scoring run there, the data resident"
    )
    precision: Precision = Field("auto", description=PRECISION)
    world_size: PositiveInt = Field(
        1,
        description="Processes training together under DDP (gloo, on the CPU), launched by "
        "torchrun on this machine; 1: this process alone. One torchrun launch per network: "
        "[distributed.md](distributed.md)",
    )


class ClassifierParams(NetworkParams):
    """One architecture, budget and selection rule for every strategy; each strategy's
    network of each replicate is kept, so a killed or extended run trains only what is new."""

    checkpoint_dir: str = Field(
        "data/06_models/classifier_checkpoints",
        description="Where each trained network is "
        "kept, `classifier-<fingerprint>.pt` (its weights and validation curve), one per "
        "strategy and replicate: a killed run goes on at the first network not yet trained, and "
        "a run of more replicates reuses the first ones. conf/base puts it under "
        "`${globals:data}`; an environment that replaces the `classifier` block must set it again",
    )
    resume: bool = Field(
        True,
        description="Reuse the network trained on the same data with the same seed and "
        "parameters; `false`: always train afresh (nothing is read or written)",
    )
    workers: PositiveInt = Field(
        1,
        description="Networks of one strategy trained at once, each in a worker process "
        "(a pool started once per run); 1: one after another in the run's process. The CPU "
        "only. It pays for many replicates, an even number, on a CPU whose threads overlap "
        "badly in one small network (`benchmarks/classifier_workers.py`; the figures: "
        "docs/index.md, issue 30 (7)); each worker holds a copy of torch and of the training set",
    )
    threads: PositiveInt | None = Field(
        None,
        description="Torch threads per network. `null`: all of the run's with `workers: 1` "
        "(as before this setting), those shared out among the workers otherwise. The same "
        "`threads` give the same networks, bit for bit, whatever `workers`; another number "
        "may sum in another order",
    )

    @model_validator(mode="after")
    def _one_kind_of_process(self) -> ClassifierParams:
        if self.workers > 1 and self.world_size > 1:
            raise ValueError(
                f"classifier.workers is {self.workers} and classifier.world_size is "
                f"{self.world_size}: choose one (workers trains several networks at once, "
                "world_size one network on several processes); set the other to 1"
            )
        return self
