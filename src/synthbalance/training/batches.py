"""The classifier's training batches: drawn with replacement from the seed's stream, this
rank's shard of them, each image moved (``batch_augment``) by draws from a stream of its own."""

from __future__ import annotations

import numpy as np
import torch

from synthbalance.config import NetworkParams
from synthbalance.core.augmentation import draw_moves, move
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import torch_generator
from synthbalance.distributed.rank import Rank


def batches(
    train_set: ImageSet,
    params: NetworkParams,
    seed: int,
    streams: tuple[str, str],
    rank: Rank,
    device,
):
    """A function that draws the next training batch (images, labels) on ``device``: indices
    from ``streams[0]``, with replacement; this rank's shard of them; and, with
    ``batch_augment``, each image moved by draws from ``streams[1]``."""
    rng = torch_generator(seed, streams[0])
    images = torch.from_numpy(np.array(train_set.images)).to(device)
    labels = torch.from_numpy(np.array(train_set.labels)).to(device)
    flip, crop = "flip" in params.batch_augment, "crop" in params.batch_augment
    moves_rng = torch_generator(seed, streams[1]) if flip or crop else None

    def next_batch() -> tuple[torch.Tensor, torch.Tensor]:
        index = rank.shard(torch.randint(len(images), (params.batch_size,), generator=rng))
        index = index.to(device)
        batch = images[index]
        if moves_rng is not None:
            moves = draw_moves(params.batch_size, flip, crop, moves_rng)
            batch = move(batch, rank.shard(moves))
        return batch, labels[index]

    return next_batch
