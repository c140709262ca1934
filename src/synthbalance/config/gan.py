"""``gan``: which classes, which architecture, which training aids, how long."""
# ruff: noqa: RUF001 -- Markdown prose: its multiplication and minus signs are meant

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt

from synthbalance.images import ClassRef


class GanParams(BaseModel):
    """The GAN: which classes, which architecture, which training aids, how long."""

    model_config = ConfigDict(extra="forbid")

    architecture: Literal["auto", "dcgan", "conditional"] = Field(
        "auto", description="`dcgan`: one unconditional GAN per rare class; `conditional`: one "
        "GAN over all classes (class embedding in G, projection discriminator); `auto`: "
        "conditional when the task has more than two classes, dcgan otherwise"
    )  # fmt: skip
    classes: list[ClassRef] | None = Field(
        None, json_schema_extra={"checks": "each in the data"},
        description="Which classes to generate, by label or name; `null`: the minority classes",
    )  # fmt: skip
    minority_threshold: float = Field(
        0.5, gt=0, le=1, description="With `classes: null`, a class is generated when it has "
        "fewer than this × the largest class's images"
    )  # fmt: skip
    z_dim: PositiveInt = Field(64, description="Length of the generator's noise vector")
    generator_width: PositiveInt = Field(
        32, description="Channels of the generator's last hidden layer; the first has twice as "
        "many"
    )  # fmt: skip
    discriminator_width: PositiveInt = Field(
        32, description="Channels of the discriminator's first convolution; the second has twice "
        "as many"
    )  # fmt: skip
    steps: PositiveInt = Field(
        2000, description="Training steps of each GAN (each class's pair, for dcgan); raise it "
        "and the next run goes on from the checkpoint"
    )  # fmt: skip
    batch_size: PositiveInt = Field(
        64, description="Real images per step, and as many generated ones; a class with fewer "
        "images trains on all of them each step"
    )  # fmt: skip
    lr_generator: float = Field(2e-4, gt=0, description="Adam learning rate of the generator")
    lr_discriminator: float = Field(
        2e-4, gt=0, description="Adam learning rate of the discriminator"
    )
    betas: tuple[float, float] = Field((0.5, 0.999), description="Adam's (β1, β2), both optimisers")
    loss: Literal["hinge", "non_saturating"] = Field(
        "hinge", description="The GAN loss: hinge, or the non-saturating (softplus) loss"
    )
    augment: list[Literal["color", "translation", "cutout"]] = Field(
        [], description="DiffAugment transforms applied to every discriminator input, real and "
        "fake: `color` (RGB images only), `translation`, `cutout`; `[]`: none. Off by default: on "
        "MNIST's fives it made the samples worse ([docs/index.md, gan](index.md#gan))"
    )  # fmt: skip
    ema_decay: float = Field(
        0.999, ge=0, lt=1, description="Decay of the moving average of the generator's weights; "
        "the averaged weights draw the grids and the samples and are the saved generator; 0: no "
        "averaging"
    )  # fmt: skip
    spectral_norm: bool = Field(
        True, description="Spectral normalisation of the discriminator's layers"
    )
    progress_every: PositiveInt = Field(
        250, description="A fixed-noise EMA grid (and `monitor_images` samples per class) every "
        "this many steps"
    )  # fmt: skip
    monitor_images: NonNegativeInt = Field(
        1000, description="EMA samples per class kept every progress_every steps, which the "
        "quality pipeline scores against steps; 0: none"
    )  # fmt: skip
    log_every: PositiveInt = Field(
        25, description="Means of loss_d, loss_g, D(real) and D(fake) over this many steps, "
        "logged as MLflow metric histories `gan.<class>.<metric>`"
    )  # fmt: skip
    checkpoint_every: PositiveInt = Field(
        500, description="A checkpoint every this many steps, and at the end"
    )
    checkpoint_dir: str = Field(
        "data/06_models/gan_checkpoints", description="Folder of the checkpoints, "
        "`gan-<fingerprint>.pt`. conf/base puts it under `${globals:data}`; an environment that "
        "replaces the `gan` block must set it again or it falls back to `data/…`"
    )  # fmt: skip
    resume: bool = Field(
        True, description="Go on from the checkpoint of the same data, seed and parameters; "
        "`false`: always start afresh"
    )  # fmt: skip
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="`auto`: CUDA when available, else the CPU; `cuda` without a CUDA "
        "device is an error"
    )  # fmt: skip
    world_size: PositiveInt = Field(
        1, description="Processes training together under DDP, launched by torchrun on this "
        "machine (one GPU each on CUDA); 1: this process alone. How to use it, what is sharded "
        "and what rank 0 does: [distributed.md](distributed.md)"
    )  # fmt: skip
