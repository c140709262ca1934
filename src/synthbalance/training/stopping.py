"""When to stop the GAN: a quality signal on data the GAN may see, and a patience.

The signal is the mean, over the generated classes, of the Fréchet distance between EMA
samples of a class and that class's real images the GAN may see (its training images and its
validation images), in a principal-component basis of the GAN's training images (all
classes). Nothing else is read: no image the imbalance removed, no test image. Why this space:
on the default task its Fréchet distance ranked the grid steps of a 4,000-step run as the
quality pipeline's FD-domain (measured against the removed images) does, Spearman 0.998; the
same distance in the penultimate layer of a classifier trained on the kept images ranked them
0.50, and against the 28 validation fives alone 0.26-0.40 (docs/gan.md).

Every ``stopping.every`` steps the EMA generator is scored; the best scoring's generator (and
critic) are kept; ``patience`` scorings in a row without a new best (below best x (1 -
``min_improvement``)) end training.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

import numpy as np
import torch

from synthbalance.config import GanParams, StoppingParams
from synthbalance.core.frechet import frechet_distance
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import make_rng, torch_generator
from synthbalance.models.pixels import to_uint8

logger = logging.getLogger(__name__)
BASIS_IMAGES = 10_000  # training images the principal components are fitted on, at most


@dataclass
class Basis:
    """Principal components of images: ``project`` maps uint8 images to (n, components)."""

    mean: torch.Tensor  # (pixels,)
    components: torch.Tensor  # (pixels, components)

    def project(self, images: np.ndarray) -> torch.Tensor:
        flat = torch.from_numpy(np.asarray(images).reshape(len(images), -1)).double() / 255
        return (flat - self.mean) @ self.components


def fit_basis(train: ImageSet, components: int, seed: int) -> Basis:
    """The first ``components`` principal components of (at most BASIS_IMAGES of) ``train``."""
    chosen = make_rng(seed, "gan-stopping-basis").permutation(len(train))[:BASIS_IMAGES]
    flat = torch.from_numpy(train.images[np.sort(chosen)].reshape(len(chosen), -1)).double() / 255
    mean = flat.mean(0)
    _, _, vt = torch.linalg.svd(flat - mean, full_matrices=False)
    return Basis(mean, vt[: min(components, len(vt))].T.contiguous())


@dataclass
class Stopping:
    """The basis, the real images' coordinates of each generated class, the fixed noise."""

    params: StoppingParams
    basis: Basis
    references: dict[int, torch.Tensor]  # class -> its training and validation images, projected
    names: dict[int, str]
    noise: torch.Tensor  # (images, z_dim): the same latent points at every scoring

    @torch.no_grad()
    def score(self, players) -> dict[str, float]:
        """{"signal": the mean over classes, "fd.<class>": each class's} of the players' EMA
        generators."""
        scores = {}
        for player in players:
            for label in self.references if player.labels is not None else [int(player.name)]:
                y = torch.full((len(self.noise),), label, device=self.noise.device)
                images = player.ema.module(self.noise, y if player.labels is not None else None)
                fake = self.basis.project(to_uint8(images.float().cpu()))
                scores[f"fd.{self.names[label]}"] = frechet_distance(self.references[label], fake)
        return {"signal": float(np.mean(list(scores.values()))), **scores}


def make_stopping(
    train: ImageSet,
    validation: ImageSet | None,
    classes: list[int],
    params: GanParams,
    seed: int,
    device,
) -> Stopping | None:
    """The stopping rule of ``params.stopping`` for ``classes`` (None when there is none):
    a basis of ``train``, and each class's images of ``train`` and ``validation``."""
    stopping = params.stopping
    if stopping is None:
        return None
    if validation is None:
        raise ValueError("gan.stopping needs the validation set; pass it, or set stopping: null")
    basis = fit_basis(train, stopping.components, seed)
    references, names = {}, {}
    for label in classes:
        images = np.concatenate(
            [train.images[train.labels == label], validation.images[validation.labels == label]]
        )
        name = train.class_names[label]
        if len(images) < 2:
            raise ValueError(
                f"gan.stopping: class {name!r} has {len(images)} image in training and "
                f"validation together; its signal needs at least 2. Set gan.stopping: null to "
                f"train all gan.steps"
            )
        references[label], names[label] = basis.project(images), name
    noise = torch.randn(
        stopping.images,
        params.z_dim,
        device=device,
        generator=torch_generator(seed, "gan-stopping", device),
    )
    return Stopping(stopping, basis, references, names, noise)


def _unwrapped(module: torch.nn.Module) -> torch.nn.Module:
    """The network itself, out of DDP's wrapper (whose state dict prefixes ``module.``)."""
    return getattr(module, "module", module)


def check(stopping: Stopping, players, record, step: int) -> bool:
    """Score at ``step`` into ``record``; True when training should stop here."""
    scores = stopping.score(players)
    record.scores.append({"step": step, "seconds": round(record.seconds, 2), **scores})
    best = record.best
    if best is None or scores["signal"] < best["signal"] * (1 - stopping.params.min_improvement):
        record.best = {
            "step": step,
            "signal": scores["signal"],
            "states": {
                p.name: {
                    "ema": copy.deepcopy(p.ema.module.state_dict()),
                    "discriminator": copy.deepcopy(_unwrapped(p.discriminator).state_dict()),
                }
                for p in players
            },
        }
        record.waited = 0
    else:
        record.waited += 1
    cap = stopping.params.max_seconds
    if record.waited >= stopping.params.patience or (cap is not None and record.seconds >= cap):
        why = "time cap" if record.waited < stopping.params.patience else "patience"
        logger.info(
            "gan: stopping at step %d (%s); the best scoring was step %d, FD %.4g",
            step,
            why,
            record.best["step"],
            record.best["signal"],
        )
        return True
    return False
