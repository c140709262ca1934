"""``gan``: which classes, which architecture, which training aids, how long."""
# ruff: noqa: RUF001 -- Markdown prose: its multiplication and minus signs are meant

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt

from synthbalance.config.engine import DEVICE, PRECISION, Device, Precision
from synthbalance.core.images import ClassRef


class StoppingParams(BaseModel):
    """When the GAN has stopped improving: a signal on data the GAN may see, and a patience."""

    model_config = ConfigDict(extra="forbid")

    every: PositiveInt = Field(
        250, description="Score the EMA generator every this many steps (and at the last)"
    )
    images: PositiveInt = Field(
        500, description="EMA samples per generated class at each scoring, from fixed noise"
    )
    patience: PositiveInt = Field(
        4, description="Stop after this many scorings in a row without a new best"
    )
    min_improvement: float = Field(
        0.02,
        ge=0,
        lt=1,
        description="A scoring is a new best when its signal is below the best so far × (1 − this)",
    )
    max_seconds: float | None = Field(
        None,
        gt=0,
        description="Stop at the first scoring past this many seconds of training "
        "too; `null`: no time cap. A cap makes the result depend on the machine's speed",
    )
    components: PositiveInt = Field(
        50,
        description="Principal components of the GAN's training images that the signal's "
        "Fréchet distance is measured in",
    )


class GanParams(BaseModel):
    """The GAN: which classes, which architecture, which training aids, how long."""

    model_config = ConfigDict(extra="forbid")

    architecture: Literal["auto", "dcgan", "conditional"] = Field(
        "auto",
        description="`dcgan`: one unconditional GAN per rare class; `conditional`: one "
        "GAN over all classes (class embedding in G, projection discriminator); `auto`: "
        "conditional when more than one class is generated, dcgan for one ([gan.md](gan.md))",
    )
    classes: list[ClassRef] | None = Field(
        None,
        json_schema_extra={"checks": "each in the data"},
        description="Which classes to generate, by label or name; `null`: the minority classes",
    )
    minority_threshold: float = Field(
        0.5,
        gt=0,
        le=1,
        description="With `classes: null`, a class is generated when it has "
        "fewer than this × the largest class's images",
    )
    class_norm: bool = Field(
        False,
        description="With `conditional`: class-conditional batch norms in the generator "
        "(a gain and bias per class); `false`: plain batch norms, the class only in the noise. "
        "Off by default: on `long_tail` it made no difference at 4,000 steps and cost time "
        "([gan.md](gan.md))",
    )
    z_dim: PositiveInt = Field(64, description="Length of the generator's noise vector")
    generator_width: PositiveInt = Field(
        32, description="Channels of the generator's last hidden layer; the first has twice as many"
    )
    discriminator_width: PositiveInt = Field(
        32,
        description="Channels of the discriminator's first convolution; the second has twice "
        "as many",
    )
    steps: PositiveInt = Field(
        3000,
        description="The most training steps of each GAN (each class's pair, for dcgan); "
        "`stopping` ends it sooner. Raise it and the next run goes on from the checkpoint",
    )
    stopping: StoppingParams | None = Field(
        StoppingParams(),
        description="Stop when the Fréchet distance between EMA samples of "
        "each generated class and its real images the GAN may see (training and validation), "
        "in a principal-component basis of the training images, has stopped improving; the "
        "best scoring's generator is the one kept. `null`: train all `steps`, keep the last",
    )
    batch_size: PositiveInt = Field(
        64,
        description="Real images per step, and as many generated ones; a class with fewer "
        "images trains on all of them each step",
    )
    lr_generator: float = Field(4e-4, gt=0, description="Adam learning rate of the generator")
    lr_discriminator: float = Field(
        4e-4, gt=0, description="Adam learning rate of the discriminator"
    )
    betas: tuple[float, float] = Field(
        (0.0, 0.9),
        description="Adam's (β1, β2), both optimisers: (0, 0.9) as SN-GAN and "
        "BigGAN train a hinge loss with spectral norm",
    )
    loss: Literal["hinge", "non_saturating"] = Field(
        "hinge", description="The GAN loss: hinge, or the non-saturating (softplus) loss"
    )
    augment: list[Literal["color", "translation", "cutout"]] = Field(
        [],
        description="DiffAugment transforms applied to every discriminator input, real and "
        "fake: `color` (RGB images only), `translation`, `cutout`; `[]`: none. Off by default: on "
        "MNIST's fives it made the samples worse ([docs/index.md, gan](index.md#gan))",
    )
    augment_p: Annotated[float, Field(ge=0, le=1)] | Literal["adaptive"] = Field(
        1.0,
        description="The share of discriminator inputs that `augment` transforms, drawn "
        "per image; `adaptive`: start at 0 and move it every 4 steps towards "
        "E[sign D(real)] = `augment_target` (ADA, Karras et al., 2020)",
    )
    augment_target: float = Field(
        0.6,
        gt=0,
        lt=1,
        description="With `augment_p: adaptive`: the overfitting signal "
        "E[sign D(real)] that p is adjusted to hold",
    )
    ema_decay: float = Field(
        0.999,
        ge=0,
        lt=1,
        description="Decay of the moving average of the generator's weights; "
        "the averaged weights draw the grids and the samples and are the saved generator; 0: no "
        "averaging",
    )
    spectral_norm: bool = Field(
        True, description="Spectral normalisation of the discriminator's layers"
    )
    progress_every: PositiveInt = Field(
        250,
        description="A fixed-noise EMA grid (and `monitor_images` samples per class) every "
        "this many steps",
    )
    monitor_images: NonNegativeInt = Field(
        1000,
        description="EMA samples per class kept every progress_every steps, which the "
        "quality pipeline scores against steps; 0: none",
    )
    log_every: PositiveInt = Field(
        25,
        description="Means of loss_d, loss_g, D(real) and D(fake) over this many steps, "
        "logged as MLflow metric histories `gan.<class>.<metric>`",
    )
    checkpoint_every: PositiveInt = Field(
        500, description="A checkpoint every this many steps, and at the end"
    )
    checkpoint_dir: str = Field(
        "data/06_models/gan_checkpoints",
        description="Folder of the checkpoints, "
        "`gan-<fingerprint>.pt`. conf/base puts it under `${globals:data}`; an environment that "
        "replaces the `gan` block must set it again or it falls back to `data/…`",
    )
    resume: bool = Field(
        True,
        description="Go on from the checkpoint of the same data, seed and parameters; "
        "`false`: always start afresh",
    )
    device: Device = Field("auto", description=DEVICE)
    precision: Precision = Field("auto", description=PRECISION)
    world_size: PositiveInt = Field(
        1,
        description="Processes training together under DDP, launched by torchrun on this "
        "machine (one GPU each on CUDA); 1: this process alone. How to use it, what is sharded "
        "and what rank 0 does: [distributed.md](distributed.md)",
    )
