"""DeepSMOTE (Dablain, Krawczyk & Chawla, IEEE TNNLS 2022): an autoencoder trained on the
imbalanced training set, SMOTE between codes of one class, the new codes decoded.

Each training step is the reconstruction loss (mean squared error) of a batch drawn from the
whole training set plus the paper's penalty: up to ``penalty_images`` images of one class
drawn at random, their codes (detached, as in the paper's code, so the penalty trains the
decoder) shifted by one place, decoded, against the images shifted the same way. The shift
pairs each code with its own image again, so the penalty is a reconstruction of one class's
images through the decoder; it gives every class, the rare ones included, the same weight in
each step, whatever its share of the batches.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.neighbors import NearestNeighbors

from synthbalance.core import progress
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import make_rng, torch_generator
from synthbalance.models.autoencoder import Autoencoder
from synthbalance.models.pixels import to_uint8, to_unit
from synthbalance.training.engine import Engine
from synthbalance.training.schedules import lr_schedule

logger = logging.getLogger(__name__)
LOG_EVERY = 100  # steps per row of the training history


def train_autoencoder(train: ImageSet, params, seed: int) -> tuple[Autoencoder, pd.DataFrame]:
    """(the autoencoder, its history: step, reconstruction, penalty) from ``seed``'s streams.
    ``params``: ``config.DeepSmoteParams``."""
    _, channels, size, _ = train.images.shape
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(make_rng(seed, "deepsmote-init").integers(2**62)))
        model = Autoencoder(params.code, params.width, channels, size, list(train.class_names))
    engine = Engine.of(params.device, params.precision)
    model.to(engine.device, memory_format=torch.channels_last).train()
    rng = torch_generator(seed, "deepsmote")
    images = torch.from_numpy(np.array(train.images)).to(engine.device)
    labels = torch.from_numpy(np.array(train.labels))
    members = [(labels == c).nonzero().squeeze(1) for c in torch.unique(labels)]
    optimiser = torch.optim.Adam(model.parameters(), params.lr)
    schedule = lr_schedule(optimiser, params.schedule, params.lr, params.steps)
    history, running = [], torch.zeros(2, device=engine.device)
    for step in progress.bar(range(1, params.steps + 1), "deepsmote autoencoder", unit="step"):
        drawn = torch.randint(len(images), (params.batch_size,), generator=rng)
        batch = to_unit(images[drawn.to(engine.device)])
        pool = members[int(torch.randint(len(members), (1,), generator=rng))]
        chosen = pool[torch.randperm(len(pool), generator=rng)[: params.penalty_images]]
        one_class = to_unit(images[chosen.to(engine.device)])
        shift = torch.roll(torch.arange(len(chosen)), -1)  # the paper's [1, 2, ..., n-1, 0]
        with engine.autocast():
            reconstruction = F.mse_loss(model(batch).float(), batch)
            with torch.no_grad():
                codes = model.encode(one_class)
            penalty = F.mse_loss(model.decode(codes[shift]).float(), one_class[shift])
        optimiser.zero_grad(set_to_none=True)
        (reconstruction + penalty).backward()
        optimiser.step()
        if schedule is not None:
            schedule.step()
        running += torch.stack([reconstruction.detach(), penalty.detach()])
        if step % LOG_EVERY == 0 or step == params.steps:
            mean = (running / (LOG_EVERY if step % LOG_EVERY == 0 else step % LOG_EVERY)).tolist()
            history.append({"step": step, "reconstruction": mean[0], "penalty": mean[1]})
            running.zero_()
    model.to("cpu")
    return model.eval(), pd.DataFrame(history)


def interpolate(
    codes: np.ndarray, count: int, neighbours: int, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """SMOTE among one class's ``codes``: ``count`` new codes, each base + λ·(neighbour - base)
    for a base drawn at random, one of its ``neighbours`` nearest other codes and λ ~ U(0, 1):
    (new codes, base index, neighbour index, λ)."""
    if len(codes) < 2:
        raise ValueError(
            f"deepsmote needs at least 2 real images of each rare class to interpolate "
            f"between, got {len(codes)}"
        )
    k = min(neighbours, len(codes) - 1)
    _, nearest = NearestNeighbors(n_neighbors=k + 1).fit(codes).kneighbors(codes)
    base = rng.integers(len(codes), size=count)
    neighbour = nearest[base, 1 + rng.integers(k, size=count)]  # column 0: the code itself
    lam = rng.random(count).astype(codes.dtype)
    new = codes[base] + lam[:, None] * (codes[neighbour] - codes[base])
    return new, base, neighbour, lam


BATCH = 512  # images per encoder or decoder call when sampling


@torch.inference_mode()
def encode(model: Autoencoder, images: np.ndarray) -> np.ndarray:
    """uint8 images -> their codes (N, code), in batches."""
    batches = torch.from_numpy(np.array(images)).split(BATCH)
    return torch.cat([model.encode(to_unit(b)) for b in batches]).numpy()


@torch.inference_mode()
def decode(model: Autoencoder, codes: np.ndarray) -> np.ndarray:
    """Codes (N, code) -> uint8 images, in batches: decoding a rare class's ~49k new codes at
    once held 4 GB of activations (benchmarks/balance_stages.py's peak, sample_deepsmote)."""
    batches = torch.from_numpy(codes).split(BATCH)
    return np.concatenate([to_uint8(model.decode(b)) for b in batches])


@torch.inference_mode()
def oversample(
    model: Autoencoder, train: ImageSet, counts: dict[int, int], neighbours: int, seed: int
) -> ImageSet:
    """``counts[c]`` decoded images of each class c, from codes interpolated between codes of
    its real training images; origin "deepsmote"."""
    if list(model.class_names) != list(train.class_names):
        raise ValueError(
            f"the autoencoder was trained on classes {model.class_names}, the training set has "
            f"{list(train.class_names)}; train it again on this data"
        )
    rng = make_rng(seed, "deepsmote-sample")
    images, labels = [], []
    for c, count in counts.items():
        if count == 0:
            continue
        codes = encode(model, train.images[train.labels == c])
        new, *_ = interpolate(codes, count, neighbours, rng)
        images.append(decode(model, new))
        labels.append(np.full(count, c, dtype=np.int64))
        logger.info(
            "deepsmote: %d images of class %s from %d codes",
            count,
            train.class_names[c],
            len(codes),
        )
    shape = (0, *train.images.shape[1:])
    return ImageSet(
        np.concatenate(images) if images else np.zeros(shape, np.uint8),
        np.concatenate(labels) if labels else np.zeros(0, np.int64),
        train.class_names,
        np.full(sum(map(len, labels)), "deepsmote"),
    )
