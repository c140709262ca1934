"""The GAN run: set-up from the seed, resume from the checkpoint of the same run, train.

``train_gan`` trains in this process, or on torchrun's processes when ``world_size`` > 1
(each runs ``train_rank``); either way it returns the generator bundle with the EMA weights
and the ``Record`` of training. ``setup`` gives the freshly initialised players, for a
benchmark or a test that drives ``gan_loop.gan_step`` itself.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import torch

from synthbalance.config import GanParams
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import make_rng, torch_generator
from synthbalance.distributed.launch import run_ranks
from synthbalance.distributed.rank import Rank, weights_digest
from synthbalance.models.gan import Discriminator, ImageGenerator, bake, init_weights
from synthbalance.training.checkpoints import (
    checkpoint_path,
    checkpoint_state,
    fingerprint,
    resume,
    save_checkpoint,
)
from synthbalance.training.engine import Engine, resolve_device, resolve_precision
from synthbalance.training.gan_loop import GanRun, Player, Record, make_ema, train_steps
from synthbalance.training.stopping import make_stopping

logger = logging.getLogger(__name__)


def minority_labels(image_set: ImageSet, threshold: float) -> list[int]:
    """Classes with fewer than ``threshold`` x the largest class's images."""
    counts = image_set.class_counts()
    return [int(c) for c in np.flatnonzero(counts < threshold * counts.max())]


def gan_classes(train: ImageSet, params: GanParams) -> list[int]:
    """The labels to generate: ``params.classes``, or the minority classes."""
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


def device_of(choice: str) -> torch.device:
    """``gan.device`` as a torch device; ``cuda`` without one is an error."""
    try:
        return resolve_device(choice)
    except ValueError as error:
        raise ValueError(f"gan.{error}") from None


def new_bundle(train: ImageSet, params: GanParams, classes: list[int]) -> ImageGenerator:
    """The generator bundle for ``train``: conditional, or one dcgan per class (``auto``:
    conditional when more than one class is generated; docs/gan.md has the evidence)."""
    conditional = params.architecture == "conditional" or (
        params.architecture == "auto" and len(classes) > 1
    )
    return ImageGenerator(
        architecture="conditional" if conditional else "dcgan",
        classes=classes,
        class_names=list(train.class_names),
        z_dim=params.z_dim,
        generator_width=params.generator_width,
        discriminator_width=params.discriminator_width,
        channels=train.images.shape[1],
        image_size=train.images.shape[2],
        class_norm=params.class_norm,
    )


def setup(train: ImageSet, params: GanParams, seed: int, device) -> tuple:
    """(the classes, the generator bundle, its players), initialised from the seed."""
    classes = gan_classes(train, params)
    with torch.random.fork_rng(devices=[]):  # initial weights from the seed, global RNG untouched
        torch.manual_seed(int(make_rng(seed, "gan-init").integers(2**62)))
        bundle = new_bundle(train, params, classes).to(device)
        players = _players(bundle, train, params, device)
    return classes, bundle, players


def _player(key: str, generator, bundle, images, labels, params: GanParams, device) -> Player:
    num_classes = len(bundle.class_names) if key == "all" else 0
    discriminator = Discriminator(
        params.discriminator_width,
        bundle.channels,
        bundle.image_size,
        num_classes,
        params.spectral_norm,
    ).to(device)
    generator.apply(init_weights)
    discriminator.apply(init_weights)
    # NHWC: on a 2-core CPU a GAN step runs 1.1-1.4x faster in this layout (the classifier's
    # reason too); the weights' values are the same in either.
    generator.to(memory_format=torch.channels_last)
    discriminator.to(memory_format=torch.channels_last)
    return Player(
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
        augment_p=0.0 if params.augment_p == "adaptive" else params.augment_p,
    )


def _players(bundle: ImageGenerator, train: ImageSet, params: GanParams, device) -> list[Player]:
    images = torch.from_numpy(np.array(train.images)).to(device)
    labels = torch.from_numpy(np.array(train.labels)).to(device)
    players = []
    for key, generator in bundle.nets.items():
        player = _player(key, generator, bundle, images, labels, params, device)
        if key == "all":  # class-balanced batches: where each class starts among sorted labels
            player.order = torch.argsort(labels, stable=True)
            player.class_sizes = torch.bincount(labels, minlength=len(bundle.class_names))
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


def fixed_noise(params: GanParams, seed: int, device):
    """(the grids' noise, the monitor's or None): the same latent points at every step,
    from streams of their own, so training does not see them."""
    noise = torch.randn(
        8, params.z_dim, generator=torch_generator(seed, "gan-grid", device), device=device
    )
    monitor = None
    if params.monitor_images:
        monitor = torch.randn(
            params.monitor_images,
            params.z_dim,
            device=device,
            generator=torch_generator(seed, "gan-monitor", device),
        )
    return noise, monitor


def finish(bundle: ImageGenerator, players: list[Player], record: Record) -> ImageGenerator:
    """Put the EMA generators and the spectral-norm-free critics into ``bundle``: those of
    the stopping rule's best scoring when there is one, else the last."""
    for player in players:
        if record.best is not None:
            saved = record.best["states"][player.name]
            player.ema.module.load_state_dict(saved["ema"])
            player.discriminator.load_state_dict(saved["discriminator"])
        bundle.nets[player.name].load_state_dict(player.ema.module.state_dict())
        bundle.critics[player.name].load_state_dict(bake(player.discriminator))
    return bundle


def train_gan(
    train: ImageSet, params: GanParams, seed: int, validation: ImageSet | None = None
) -> tuple[ImageGenerator, Record]:
    """(the trained bundle with EMA weights, the record of training). Resumes from the
    checkpoint of the same data, seed and parameters when there is one (``steps`` may grow).
    ``validation``: what the stopping rule scores against (needed when it is on)."""
    if params.world_size > 1:
        return _train_on_ranks(train, params, seed, validation)
    device = device_of(params.device)
    logger.info(
        "gan: training on %s",
        Engine(device, resolve_precision(params.precision, device)).describe(),
    )
    classes, bundle, players = setup(train, params, seed, device)
    stopping = make_stopping(train, validation, classes, params, seed, device)
    rng = torch_generator(seed, "gan", device)
    key = fingerprint(train, params, seed, classes)
    path = checkpoint_path(params, key)
    start, record, _ = resume(path, key, players, rng, params)

    def save(step: int, record: Record) -> None:
        save_checkpoint(path, checkpoint_state(players, step, rng, key, record.state()))

    noise, monitor = fixed_noise(params, seed, device)
    train_steps(
        GanRun(players, bundle, params, rng, noise, monitor, save, f"{path}", stopping),
        start,
        record,
    )
    return finish(bundle, players, record), record


def _train_on_ranks(train: ImageSet, params: GanParams, seed: int, validation):
    """(the trained bundle, the record of training) from rank 0 of ``world_size`` processes."""
    classes, device = gan_classes(train, params), device_of(params.device)  # errors before
    settings = {"params": params.model_dump(mode="json"), "seed": seed}
    inputs = {"train": train} | ({} if validation is None else {"validation": validation})
    result = run_ranks(train_rank, params.world_size, device.type, inputs, settings)
    with torch.random.fork_rng(devices=[]):  # its initial weights are replaced: RNG untouched
        bundle = new_bundle(train, params, classes)
    bundle.load_state_dict(result["generator"])
    return bundle, Record(**result["record"])


def train_rank(inputs: dict[str, ImageSet], job: dict, rank: Rank) -> dict:
    """One torchrun worker's part. Every rank builds the same players from the seed, draws
    the same global batch from a shared sampler and trains on its shard; noise and
    augmentations come from a stream of the rank's own. Only rank 0 writes checkpoints:
    {"generator", "record"} on rank 0, and on every rank {"digest": its weights' hash}."""
    train, params, seed = inputs["train"], GanParams(**job["params"]), job["seed"]
    classes, bundle, players = setup(train, params, seed, rank.device)
    stopping = make_stopping(train, inputs.get("validation"), classes, params, seed, rank.device)
    sampler = torch_generator(seed, "gan", rank.device)  # the same on every rank
    rng = torch_generator(seed, f"gan.rank{rank.rank}", rank.device)  # this rank's own
    key = fingerprint(train, params, seed, classes)
    path = checkpoint_path(params, key)
    start, record, state = resume(path, key, players, sampler, params)
    if state is not None:
        rng.set_state(state["ranks"][rank.rank])

    def save(step: int, record: Record) -> None:
        ranks = rank.gather(rng.get_state())  # every rank's stream: a resumed run goes on alike
        if rank.rank == 0:
            state = checkpoint_state(players, step, sampler, key, record.state())
            save_checkpoint(path, state | {"ranks": ranks})
            logger.info("gan: step %d of %d, checkpoint %s", step, params.steps, path)

    noise, monitor = fixed_noise(params, seed, rank.device)
    wrapped = [_in_ddp(player, sampler, rank) for player in players]
    train_steps(
        GanRun(
            wrapped,
            bundle,
            params,
            rng,
            noise,
            monitor if rank.rank == 0 else None,
            save,
            f"{path}",
            stopping,
            lambda stop: rank.gather(stop)[0],
        ),
        start,
        record,
    )
    digest = weights_digest(m for p in players for m in (p.generator, p.discriminator, p.ema))
    if rank.rank != 0:
        return {"digest": digest}
    finish(bundle, players, record)
    return {"generator": bundle.state_dict(), "record": record.state(), "digest": digest}


def _in_ddp(player: Player, sampler, rank: Rank) -> Player:
    """The player with its networks in DDP, its batches drawn by ``sampler`` and sharded.
    The optimisers, the EMA and the checkpoints keep the unwrapped networks. Buffers are
    broadcast from rank 0 before each forward (DDP's default): D's spectral-norm vectors are
    the same on every rank; G's BatchNorm normalises each shard by its own statistics, and
    its running statistics, which the EMA generator samples with, are rank 0's."""
    return dataclasses.replace(
        player,
        generator=rank.wrap(player.generator),
        discriminator=rank.wrap(player.discriminator),
        sampler=sampler,
        shard=rank.shard,
    )
