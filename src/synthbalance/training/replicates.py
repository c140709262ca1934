"""One network per replicate, each kept under its fingerprint, trained one after another or
side by side in worker processes (``classifier.workers``).

``train_replicates`` trains replicate r's network on replicate r's training set from replicate
r's seed, and keeps each in ``checkpoint_dir`` under its fingerprint, so that a killed or
extended run trains only the networks it does not have yet.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import torch

from synthbalance import __version__
from synthbalance.config import ClassifierParams
from synthbalance.core import progress
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import replicate_seed
from synthbalance.models.classifier import Classifier
from synthbalance.training.checkpoints import save_checkpoint
from synthbalance.training.classifier import new_classifier, train_classifier
from synthbalance.training.engine import Engine
from synthbalance.training.losses import PLAIN, Loss
from synthbalance.training.workers import pinned_threads, run_side_by_side, threads_per_network

logger = logging.getLogger(__name__)

# Where the networks are kept and whether to reuse them: not what a network computes.
_NOT_IN_FINGERPRINT = {"checkpoint_dir", "resume", "workers"}


def fingerprint(
    train_set: ImageSet,
    validation: ImageSet,
    params: ClassifierParams,
    seed: int,
    loss: Loss = PLAIN,
) -> str:
    """Same data, seed and training parameters -> same fingerprint -> the same network."""
    digest = hashlib.sha256()
    for image_set in (train_set, validation):
        image_set.hash_into(digest)
        digest.update(json.dumps(list(image_set.class_names)).encode())
    # a constant schedule is left out, so the networks kept before schedules existed still match
    # so are no batch transforms: the networks kept before they existed still match
    # threads only where pinned (`threads` set, or workers sharing the cores): the networks
    # kept before the setting existed still match
    pinned = params.threads is not None or params.workers > 1
    left_out = (
        _NOT_IN_FINGERPRINT
        | ({"schedule"} if params.schedule == "constant" else set())
        | (set() if params.batch_augment else {"batch_augment"})
        | (set() if pinned else {"threads"})
    )
    engine = Engine.of(params.device, params.precision)  # what `auto` is on this machine
    if pinned:
        params = params.model_copy(
            update={"threads": threads_per_network(params.workers, params.threads)}
        )
    settings = params.model_dump(mode="json", exclude=left_out) | {
        "seed": seed,
        "synthbalance": __version__,
        **loss.fingerprint(),
        "device": engine.device.type,
        "precision": engine.precision,
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def kept_path(
    train_set: ImageSet,
    validation: ImageSet,
    params: ClassifierParams,
    seed: int,
    loss: Loss = PLAIN,
) -> Path:
    """Where ``kept_classifier`` keeps (or finds) this network."""
    key = fingerprint(train_set, validation, params, seed, loss)
    return Path(params.checkpoint_dir) / f"classifier-{key}.pt"


def kept_classifier(
    train_set: ImageSet,
    validation: ImageSet,
    params: ClassifierParams,
    seed: int,
    loss: Loss = PLAIN,
) -> tuple[Classifier, pd.DataFrame]:
    """``train_classifier``, or the network it trained before on the same data with the same
    seed and parameters (``params.resume``), read from ``params.checkpoint_dir``."""
    if not params.resume:
        return train_classifier(train_set, validation, params, seed, loss)
    path = kept_path(train_set, validation, params, seed, loss)
    if path.exists():
        saved = torch.load(path, map_location="cpu", weights_only=True)
        with torch.random.fork_rng(devices=[]):  # its weights are replaced: RNG untouched
            classifier = new_classifier(train_set, params, loss=loss)
        classifier.load_state_dict(saved["state_dict"])
        logger.info("classifier: reusing the network in %s", path)
        return classifier.eval(), pd.DataFrame(saved["history"])
    classifier, history = train_classifier(train_set, validation, params, seed, loss)
    path.parent.mkdir(parents=True, exist_ok=True)
    # written whole or not at all, as the GAN's checkpoints: a killed save leaves no file
    save_checkpoint(
        path, {"state_dict": classifier.state_dict(), "history": history.to_dict("list")}
    )
    return classifier, history


def train_replicates(
    train_sets: Sequence[ImageSet],
    validations: Sequence[ImageSet],
    params: ClassifierParams,
    seed: int,
    loss: Loss = PLAIN,
) -> tuple[Classifier, pd.DataFrame]:
    """(one network per replicate r, trained on ``train_sets[r]`` and selected on
    ``validations[r]`` from replicate r's seed; their curves, with a ``replicate`` column).
    With ``workers`` > 1 the networks not kept yet train side by side in worker processes."""
    if not train_sets or len(train_sets) != len(validations):
        raise ValueError(
            f"train_replicates needs one validation set per training set, got "
            f"{len(train_sets)} training and {len(validations)} validation sets"
        )
    replicates = list(range(len(train_sets)))
    engine = Engine.of(params.device, params.precision)
    logger.info("classifier: training on %s", engine.describe())
    if params.workers > 1 and engine.device.type != "cpu":
        raise ValueError(
            f"classifier.workers is {params.workers}, but the classifier trains on "
            f"{engine.device.type}: worker processes share the CPU's cores. Set workers: 1 "
            "(one process keeps the device busy) or device: cpu"
        )
    with torch.random.fork_rng(devices=[]):  # each network's weights are replaced below
        combined = new_classifier(train_sets[0], params, replicates, loss)
    jobs = [
        (r, train_sets[r], validations[r], params, replicate_seed(seed, r), loss)
        for r in replicates
    ]
    if params.workers > 1:
        networks = _side_by_side(jobs, params)
    else:
        with pinned_threads(params.threads):
            networks = {r: replicate_network(*jobs[r]) for r in replicates}
    curves = []
    for r in replicates:
        state, history = networks[r]
        combined.nets[str(r)].load_state_dict(state)
        curves.append(history.assign(replicate=r))
    return combined.eval(), pd.concat(curves, ignore_index=True)


def replicate_network(
    replicate: int,
    train_set: ImageSet,
    validation: ImageSet,
    params: ClassifierParams,
    seed: int,
    loss: Loss,
) -> tuple[dict[str, torch.Tensor], pd.DataFrame]:
    """(the weights, the curve) of ``kept_classifier`` for one replicate."""
    with progress.labelled(f"replicate {replicate}"):
        network, history = kept_classifier(train_set, validation, params, seed, loss)
    return network.nets["0"].state_dict(), history


def _side_by_side(jobs: list[tuple], params: ClassifierParams) -> dict[int, tuple]:
    """``replicate_network`` of every job: the kept networks read here, the others trained
    ``workers`` at a time in the pool, each on the same number of threads."""
    threads = threads_per_network(params.workers, params.threads)
    params = params.model_copy(update={"threads": threads})  # as the workers will run
    jobs = [(r, train, val, params, seed, loss) for r, train, val, _, seed, loss in jobs]
    kept = [job for job in jobs if params.resume and kept_path(*job[1:]).exists()]
    networks = {job[0]: replicate_network(*job) for job in kept}  # read here, no pool needed
    todo = [job for job in jobs if job[0] not in networks]
    if todo:
        logger.info(
            "classifier: %d network(s) on %d worker processes of %d thread(s)",
            len(todo),
            min(params.workers, len(todo)),
            threads,
        )
        results = run_side_by_side(replicate_network, todo, params.workers, threads)
        networks |= {job[0]: result for job, result in zip(todo, results, strict=True)}
    return networks
