"""gan: train a GAN on the images that survived the imbalance step, and nothing else."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import torch
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt

from synthbalance import __version__
from synthbalance.datasets import loaded
from synthbalance.distributed.launch import run_ranks
from synthbalance.images import ImageSet
from synthbalance.models.gan import Discriminator, ImageGenerator, bake, init_weights
from synthbalance.pipelines.gan.training import (
    Player,
    checkpoint_state,
    load_checkpoint,
    make_ema,
    save_checkpoint,
    train_steps,
)
from synthbalance.pipelines.imbalance.profiles import ClassRef
from synthbalance.seeding import make_rng, torch_generator

logger = logging.getLogger(__name__)

# Parameters that change how long or how visibly training runs, not what it computes:
# a checkpoint written under other values of these is resumed.
# (monitor_images too: its noise has its own stream, so training does not see it.)
_CADENCE = {
    "steps", "progress_every", "log_every", "checkpoint_every", "checkpoint_dir", "resume",
    "monitor_images",
}  # fmt: skip


class GanParams(BaseModel):
    """The GAN: which classes, which architecture, which training aids, how long."""

    model_config = ConfigDict(extra="forbid")

    architecture: Literal["auto", "dcgan", "conditional"] = "auto"
    classes: list[ClassRef] | None = Field(None, description="None: the minority classes")
    minority_threshold: float = Field(0.5, gt=0, le=1, description="minority: < this x largest")
    z_dim: PositiveInt = 64
    generator_width: PositiveInt = 16
    discriminator_width: PositiveInt = 16
    steps: PositiveInt = 3000
    batch_size: PositiveInt = 64
    lr_generator: float = Field(2e-4, gt=0)
    lr_discriminator: float = Field(2e-4, gt=0)
    betas: tuple[float, float] = (0.5, 0.999)
    loss: Literal["hinge", "non_saturating"] = "hinge"
    augment: list[Literal["color", "translation", "cutout"]] = ["color", "translation", "cutout"]
    ema_decay: float = Field(0.999, ge=0, lt=1, description="0: no averaging")
    spectral_norm: bool = True
    progress_every: PositiveInt = 250
    monitor_images: NonNegativeInt = Field(
        1000, description="EMA samples per class kept every progress_every steps; 0: none"
    )
    log_every: PositiveInt = 25
    checkpoint_every: PositiveInt = 500
    checkpoint_dir: str = "data/06_models/gan_checkpoints"
    resume: bool = True
    device: Literal["auto", "cpu", "cuda"] = "auto"
    world_size: PositiveInt = Field(
        1, description="processes training together under DDP, launched by torchrun on this "
        "machine (one GPU each on CUDA); 1: this process alone"
    )  # fmt: skip


def minority_labels(image_set: ImageSet, threshold: float) -> list[int]:
    """Classes with fewer than ``threshold`` x the largest class's images."""
    counts = image_set.class_counts()
    return [int(c) for c in np.flatnonzero(counts < threshold * counts.max())]


def _gan_classes(train: ImageSet, params: GanParams) -> list[int]:
    if params.classes is not None:
        labels = [train.class_index(c) for c in params.classes]
    else:
        labels = minority_labels(train, params.minority_threshold)
    if not labels:
        counts = dict(zip(train.class_names, train.class_counts().tolist(), strict=True))
        raise ValueError(
            f"no minority class in {counts}: no class has fewer than "
            f"{params.minority_threshold} x the largest; list the classes in gan.classes"
        )
    for label in labels:
        if train.class_counts()[label] == 0:
            raise ValueError(
                f"class {train.class_names[label]!r} has no training image to learn from"
            )
    return labels


def _device(choice: str) -> torch.device:
    if choice == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "gan.device is 'cuda' but no CUDA device is available; use 'auto' or 'cpu'"
        )
    return torch.device("cuda" if choice != "cpu" and torch.cuda.is_available() else "cpu")


def _fingerprint(train: ImageSet, params: GanParams, seed: int, classes: list[int]) -> str:
    """Same data, seed and training parameters -> same fingerprint -> the same checkpoint."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(train.images).tobytes())
    digest.update(train.labels.tobytes())
    alone = {"world_size"} if params.world_size == 1 else set()  # as before world_size existed
    settings = params.model_dump(mode="json", exclude=_CADENCE | alone) | {
        "seed": seed,
        "classes": classes,
        "synthbalance": __version__,  # a release that changes the models changes this
        "device": _device(params.device).type,  # a CUDA checkpoint cannot resume on a CPU
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def _conditional(train: ImageSet, params: GanParams) -> bool:
    return params.architecture == "conditional" or (
        params.architecture == "auto" and train.num_classes > 2
    )


def _bundle(train: ImageSet, params: GanParams, classes: list[int], conditional: bool):
    return ImageGenerator(
        architecture="conditional" if conditional else "dcgan",
        classes=classes,
        class_names=list(train.class_names),
        z_dim=params.z_dim,
        generator_width=params.generator_width,
        discriminator_width=params.discriminator_width,
        channels=train.images.shape[1],
        image_size=train.images.shape[2],
    )


def _build(train: ImageSet, params: GanParams, classes: list[int], conditional: bool, device):
    """(the generator bundle, its players), freshly initialised."""
    bundle = _bundle(train, params, classes, conditional).to(device)
    return bundle, _players(bundle, train, params, device)


def _setup(train: ImageSet, params: GanParams, seed: int, device) -> tuple:
    """(the classes, the generator bundle, its players), initialised from the seed."""
    classes = _gan_classes(train, params)
    with torch.random.fork_rng(devices=[]):  # initial weights from the seed, global RNG untouched
        torch.manual_seed(int(make_rng(seed, "gan-init").integers(2**62)))
        bundle, players = _build(train, params, classes, _conditional(train, params), device)
    return classes, bundle, players


def _players(bundle: ImageGenerator, train: ImageSet, params: GanParams, device) -> list[Player]:
    images = torch.from_numpy(np.array(train.images)).to(device)
    labels = torch.from_numpy(np.array(train.labels)).to(device)
    players = []
    for key, generator in bundle.nets.items():
        num_classes = len(bundle.class_names) if key == "all" else 0
        discriminator = Discriminator(
            params.discriminator_width, bundle.channels, bundle.image_size, num_classes,
            params.spectral_norm,
        ).to(device)  # fmt: skip
        generator.apply(init_weights)
        discriminator.apply(init_weights)
        player = Player(
            name=key,
            generator=generator,
            discriminator=discriminator,
            opt_g=torch.optim.Adam(generator.parameters(), params.lr_generator, betas=params.betas),
            opt_d=torch.optim.Adam(
                discriminator.parameters(), params.lr_discriminator, betas=params.betas
            ),
            ema=make_ema(generator, params.ema_decay),
            images=images if key == "all" else images[labels == int(key)],
            labels=labels if key == "all" else None,
        )
        if key == "all":
            player.order = torch.argsort(labels, stable=True)
            player.class_sizes = torch.bincount(labels, minlength=num_classes)
            player.class_starts = torch.cumsum(player.class_sizes, 0) - player.class_sizes
            player.present = torch.nonzero(player.class_sizes).flatten()
        if len(player.images) < params.batch_size:
            logger.warning(
                "gan: %s has %d images, fewer than a batch of %d: each step trains on all of them",
                key,
                len(player.images),
                params.batch_size,
            )
        players.append(player)
    return players


def train_gan(
    train_imbalanced: ImageSet, params: GanParams, seed: int
) -> tuple[ImageGenerator, pd.DataFrame, dict[str, Image.Image], dict[str, ImageSet]]:
    """Train on ``train_imbalanced`` only: (generator with EMA weights, history, progress
    grids, ``monitor_images`` EMA samples per class at the same steps as the grids).

    Resumes from the checkpoint of the same data, seed and parameters when there is one
    (``steps`` may grow: training goes on from where it stopped). With ``world_size`` > 1,
    torchrun's processes train it under DDP and rank 0's result comes back here.
    """
    if params.world_size > 1:
        bundle, record = _train_on_ranks(train_imbalanced, params, seed)
    else:
        bundle, record = _train(train_imbalanced, params, seed)
    progress = {
        f"step_{step:06d}": Image.fromarray(frame.numpy().squeeze())
        for step, frame in record["frames"]
    }
    samples = {
        f"step_{step:06d}": ImageSet(images.numpy(), labels.numpy(), train_imbalanced.class_names)
        for step, images, labels in record["samples"]
    }
    return bundle.cpu().eval(), pd.DataFrame(record["history"]), progress, samples


def _train(train: ImageSet, params: GanParams, seed: int) -> tuple[ImageGenerator, dict]:
    """(the trained bundle, the record of training) in this process."""
    device = _device(params.device)
    classes, bundle, players = _setup(train, params, seed, device)
    rng = torch_generator(seed, "gan", device)
    fingerprint = _fingerprint(train, params, seed, classes)
    path = _checkpoint_path(params, fingerprint)
    start, record, _ = _resume(path, fingerprint, players, rng, params)

    def save(step: int) -> None:
        save_checkpoint(path, checkpoint_state(players, step, rng, fingerprint, record))

    noise, monitor = _fixed_noise(params, seed, device)
    train_steps(players, bundle, params, rng, noise, start, record, save, f"{path}", monitor)
    _finish(bundle, players)
    return bundle, record


def _train_on_ranks(train: ImageSet, params: GanParams, seed: int):
    """(the trained bundle, the record of training) from rank 0 of ``world_size`` processes."""
    classes, device = _gan_classes(train, params), _device(params.device)  # errors before
    settings = {"params": params.model_dump(mode="json"), "seed": seed}
    result = run_ranks("gan", params.world_size, device.type, {"train": train}, settings)
    with torch.random.fork_rng(devices=[]):  # its initial weights are replaced: RNG untouched
        bundle = _bundle(train, params, classes, _conditional(train, params))
    bundle.load_state_dict(result["generator"])
    return bundle, result["record"]


def _checkpoint_path(params: GanParams, fingerprint: str) -> Path:
    return Path(params.checkpoint_dir) / f"gan-{fingerprint}.pt"


def _resume(path: Path, fingerprint: str, players: list[Player], rng, params: GanParams):
    """(the step to start from, the record so far, the checkpoint or None): the checkpoint's
    when there is one to resume. The record is what training has produced so far; saved with
    every checkpoint, so a resumed run ends with the same history as an uninterrupted one."""
    if not (params.resume and path.exists()):
        record = {"history": [], "frames": [], "samples": [], "seconds": 0.0,
                  "window": {p.name: [] for p in players}}  # fmt: skip
        return 0, record, None
    state = load_checkpoint(path, fingerprint, players, rng)
    state["record"].setdefault("samples", [])  # a checkpoint from before monitoring
    logger.info("gan: resuming from step %d of %s", state["step"], path)
    return state["step"], state["record"], state


def _fixed_noise(params: GanParams, seed: int, device):
    """(the grids' noise, the monitor's or None): the same latent points at every step,
    from streams of their own, so training does not see them."""
    noise = torch.randn(
        8, params.z_dim, generator=torch_generator(seed, "gan-grid", device), device=device
    )
    monitor = None
    if params.monitor_images:
        monitor = torch.randn(params.monitor_images, params.z_dim, device=device,
                              generator=torch_generator(seed, "gan-monitor", device))  # fmt: skip
    return noise, monitor


def _finish(bundle: ImageGenerator, players: list[Player]) -> None:
    """Put the EMA generators and the spectral-norm-free critics into ``bundle``."""
    for player in players:
        bundle.nets[player.name].load_state_dict(player.ema.module.state_dict())
        bundle.critics[player.name].load_state_dict(bake(player.discriminator))


def history_to_metrics(gan_history: pd.DataFrame) -> dict[str, list[dict]]:
    """The history as MLflow metric histories, ``<class>.<metric>`` against steps."""
    metrics = {}
    for player, rows in gan_history.groupby("player"):
        for column in ("loss_d", "loss_g", "d_real", "d_fake"):
            metrics[f"{player}.{column}"] = [
                {"step": int(step), "value": float(value)}
                for step, value in zip(rows["step"], rows[column], strict=True)
            ]
    return metrics


def animate_progress(gan_progress: dict) -> list[Image.Image]:
    """The progress grids in step order, as the frames of an animation."""
    return list(loaded(gan_progress).values())


def export_generator(generator: ImageGenerator) -> ImageGenerator:
    """The generator again, for kedro-mlflow to log as an mlflow.pytorch model."""
    return generator
