"""The GAN on one of torchrun's processes: the same players and step, under DDP.

Every rank builds the same players from the seed (DDP also broadcasts rank 0's weights when
it wraps them), draws the same global batch from a shared sampler and trains on its shard of
it; DDP averages the gradients, so every rank takes the same optimiser steps. The noise and
the augmentations come from a stream of the rank's own, so that the shards of a batch do not
share their latent points. Only rank 0 writes checkpoints and returns a result.
"""

from __future__ import annotations

import dataclasses
import logging

from synthbalance.distributed.rank import Rank, weights_digest
from synthbalance.images import ImageSet
from synthbalance.pipelines.gan.nodes import (
    GanParams,
    _checkpoint_path,
    _fingerprint,
    _finish,
    _fixed_noise,
    _resume,
    _setup,
)
from synthbalance.pipelines.gan.training import checkpoint_state, save_checkpoint, train_steps
from synthbalance.seeding import torch_generator

logger = logging.getLogger(__name__)


def train_rank(inputs: dict[str, ImageSet], job: dict, rank: Rank) -> dict:
    """Train with the other ranks: {"generator": the bundle's state, "record": the record of
    training} on rank 0, and on every rank {"digest": its weights' hash}."""
    train, params, seed = inputs["train"], GanParams(**job["params"]), job["seed"]
    classes, bundle, players = _setup(train, params, seed, rank.device)
    sampler = torch_generator(seed, "gan", rank.device)  # the same on every rank
    rng = torch_generator(seed, f"gan.rank{rank.rank}", rank.device)  # this rank's own
    fingerprint = _fingerprint(train, params, seed, classes)
    path = _checkpoint_path(params, fingerprint)
    start, record, state = _resume(path, fingerprint, players, sampler, params)
    if state is not None:
        rng.set_state(state["ranks"][rank.rank])

    def save(step: int) -> None:
        ranks = rank.gather(rng.get_state())  # every rank's stream: a resumed run goes on alike
        if rank.rank == 0:
            state = checkpoint_state(players, step, sampler, fingerprint, record)
            save_checkpoint(path, state | {"ranks": ranks})
            logger.info("gan: step %d of %d, checkpoint %s", step, params.steps, path)

    noise, monitor = _fixed_noise(params, seed, rank.device)
    wrapped = [_in_ddp(player, sampler, rank) for player in players]
    train_steps(wrapped, bundle, params, rng, noise, start, record, save, f"{path}",
                monitor if rank.rank == 0 else None)  # fmt: skip
    digest = weights_digest(m for p in players for m in (p.generator, p.discriminator, p.ema))
    if rank.rank != 0:
        return {"digest": digest}
    _finish(bundle, players)
    return {"generator": bundle.state_dict(), "record": record, "digest": digest}


def _in_ddp(player, sampler, rank: Rank):
    """The player with its networks in DDP, its batches drawn by ``sampler`` and sharded.

    The optimisers, the EMA and the checkpoints keep the unwrapped networks. Buffers are
    broadcast from rank 0 before each forward (DDP's default): the spectral-norm vectors of D
    are then the same on every rank; G's BatchNorm normalises each shard by its own statistics
    (SyncBatchNorm would pool them, but PyTorch runs it on GPUs only), and its running
    statistics, which the EMA generator samples with, are rank 0's.
    """
    return dataclasses.replace(
        player,
        generator=rank.wrap(player.generator),
        discriminator=rank.wrap(player.discriminator),
        sampler=sampler,
        shard=rank.shard,
    )
