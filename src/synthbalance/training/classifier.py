"""The classifier every strategy trains: fit with validation-based selection, and predict.

``train_classifier`` trains one network from the seed's streams and keeps the weights that
score best on the real validation set; with ``world_size`` > 1 the same work runs on
torchrun's processes (``train_rank``). ``train_replicates`` trains one such network per
replicate, each on that replicate's training set from that replicate's seed, and keeps each
in ``checkpoint_dir`` under its fingerprint, so that a killed or extended run trains only the
networks it does not have yet.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.metrics import balanced_accuracy_score, f1_score

from synthbalance import __version__
from synthbalance.config import ClassifierParams, NetworkParams
from synthbalance.core import progress
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import make_rng, replicate_seed
from synthbalance.distributed.launch import run_ranks
from synthbalance.distributed.rank import SINGLE, Rank, weights_digest
from synthbalance.models.classifier import Classifier
from synthbalance.models.pixels import to_unit
from synthbalance.training.batches import batches
from synthbalance.training.checkpoints import save_checkpoint
from synthbalance.training.engine import CPU_FP32, Engine
from synthbalance.training.losses import PLAIN, Loss, criterion
from synthbalance.training.schedules import lr_schedule
from synthbalance.training.workers import pinned_threads, run_side_by_side, threads_per_network

logger = logging.getLogger(__name__)


@torch.inference_mode()
def logits(classifier: Classifier, replicate: int, images: np.ndarray) -> torch.Tensor:
    """Logits (N, K) on the CPU of the network of ``replicate`` for uint8 images (N, C, H, W),
    computed in float32 on the device the classifier is on. Scoring stays in float32 on every
    engine, so that the logged model labels exactly as scored."""
    classifier.eval()
    device = next(classifier.parameters()).device
    batches = torch.from_numpy(np.array(images)).split(1024)
    return torch.cat([classifier(to_unit(b.to(device)), replicate).cpu() for b in batches])


def probabilities(classifier: Classifier, replicate: int, images: np.ndarray) -> np.ndarray:
    """Softmax (N, K) of the network of ``replicate`` for uint8 images (N, C, H, W)."""
    return F.softmax(logits(classifier, replicate, images), 1).numpy()


def selection_scores(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> dict:
    """val_balanced_accuracy and val_macro_f1 of predicted labels (over all classes, as on the
    test set): what ``select_by`` picks weights, and ``threshold`` its τ, by."""
    return {
        "val_balanced_accuracy": balanced_accuracy_score(labels, predicted),
        "val_macro_f1": f1_score(
            labels, predicted, labels=range(num_classes), average="macro", zero_division=0
        ),
    }


def validation_scores(classifier: Classifier, replicate: int, validation: ImageSet) -> dict:
    """``selection_scores`` of the network of ``replicate`` on ``validation``."""
    predicted = probabilities(classifier, replicate, validation.images).argmax(1)
    return selection_scores(validation.labels, predicted, validation.num_classes)


# The streams' names end in ".0": those of the first of the classifier seeds that replicates
# replaced, so that replicate 0 (the project seed) trains the network those runs trained.
_STREAM = "0"


def _fit(classifier, train_set, validation, params, loss: Loss, seed, rank: Rank = SINGLE):
    """Train the classifier's one network with ``loss``; keep the weights that score best on
    validation (``keep: best``) or the last ones. Under DDP every rank draws the same batch
    and trains on its ``rank.shard``. The data sits on the engine's device; the host waits
    for it only at the validation points."""
    engine = Engine.of(params.device, params.precision) if rank.world_size == 1 else CPU_FP32
    net = classifier.nets["0"].to(engine.device)
    model = rank.wrap(net)  # DDP averages the ranks' gradients in backward
    optimiser = torch.optim.Adam(net.parameters(), params.lr)
    schedule = lr_schedule(optimiser, params.schedule, params.lr, params.steps)
    streams = (f"classifier.{_STREAM}", f"classifier-moves.{_STREAM}")
    next_batch = batches(train_set, params, seed, streams, rank, engine.device)
    loss_of = criterion(loss, train_set.class_counts(), params.steps)
    history, loss_sum, since, best, best_score = [], 0.0, 0, None, -1.0
    for step in progress.bar(range(1, params.steps + 1), "classifier", unit="step"):
        model.train()
        batch, batch_labels = next_batch()
        with engine.autocast():
            value = loss_of(model(to_unit(batch)), batch_labels, step)
        optimiser.zero_grad(set_to_none=True)
        value.backward()
        optimiser.step()
        if schedule is not None:
            schedule.step()
        loss_sum, since = loss_sum + value.detach().float(), since + 1
        if step % params.eval_every == 0 or step == params.steps:
            rank.share_buffers(net)
            scores = validation_scores(classifier, 0, validation)
            history.append({"step": step, "train_loss": float(loss_sum) / since, **scores})
            loss_sum, since = 0.0, 0
            if params.keep == "best" and scores[f"val_{params.select_by}"] > best_score:
                best_score = scores[f"val_{params.select_by}"]
                best = copy.deepcopy(net.state_dict())
    if best is not None:
        net.load_state_dict(best)
    net.to("cpu")
    return history


def new_classifier(
    train_set: ImageSet, params: NetworkParams, replicates: Sequence[int] = (0,), loss: Loss = PLAIN
) -> Classifier:
    """A freshly initialised network per replicate, shaped for ``train_set`` (and with the
    last layer ``loss`` is meant for)."""
    _, channels, size, _ = train_set.images.shape
    return Classifier(
        params.architecture,
        channels,
        size,
        list(train_set.class_names),
        params.width,
        list(replicates),
        loss.head,
    )


def train_classifier(
    train_set: ImageSet,
    validation: ImageSet,
    params: NetworkParams,
    seed: int,
    loss: Loss = PLAIN,
) -> tuple[Classifier, pd.DataFrame]:
    """(one network from ``seed``'s streams, selected on the real validation set; its
    training curve). With ``world_size`` > 1, torchrun's processes train it and rank 0's
    result comes back."""
    if params.world_size == 1:
        return train_on_rank(train_set, validation, params, seed, loss)
    network = params.model_dump(mode="json", include=set(NetworkParams.model_fields))
    settings = {"params": network, "seed": seed, "loss": loss.to_json()}
    inputs = {"train_set": train_set, "validation": validation}
    result = run_ranks(train_rank, params.world_size, "cpu", inputs, settings)
    with torch.random.fork_rng(devices=[]):  # its initial weights are replaced: RNG untouched
        classifier = new_classifier(train_set, params, loss=loss)
    classifier.load_state_dict(result["classifier"])
    return classifier.eval(), pd.DataFrame(result["history"])


def train_on_rank(train_set, validation, params, seed, loss: Loss, rank: Rank = SINGLE):
    """``train_classifier``'s work in this process, alone or as one rank of several."""
    # The network from its own stream (initial weights, dropout), the global RNG untouched.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(make_rng(seed, f"classifier-init.{_STREAM}").integers(2**62)))
        classifier = new_classifier(train_set, params, loss=loss)
        if rank.world_size > 1:  # the same weights on every rank, but dropout of its own
            stream = f"classifier-dropout.{_STREAM}.{rank.rank}"
            torch.manual_seed(int(make_rng(seed, stream).integers(2**62)))
        history = _fit(classifier, train_set, validation, params, loss, seed, rank)
    return classifier.eval(), pd.DataFrame(history)


def train_rank(inputs: dict[str, ImageSet], job: dict, rank: Rank) -> dict:
    """One torchrun worker's part: ``train_on_rank`` with this rank. Every rank draws the same
    batch of each step and trains on its shard; DDP averages the gradients. Every rank scores
    the validation set (the same weights give the same scores), so every rank keeps the same
    best weights: {"classifier": its state, "history": plain rows, "digest": the weights' hash}."""
    params = NetworkParams(**job["params"])
    classifier, history = train_on_rank(
        inputs["train_set"], inputs["validation"], params, job["seed"], Loss(**job["loss"]), rank
    )
    rows = [
        {
            key: value.item() if isinstance(value, np.generic) else value
            for key, value in row.items()
        }
        for row in history.to_dict("records")
    ]
    return {
        "classifier": classifier.state_dict(),
        "history": rows,
        "digest": weights_digest([classifier]),
    }


# ---- one network per replicate, each kept under its fingerprint --------------------------

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
    trained = _side_by_side(jobs, params) if params.workers > 1 else None
    curves = []
    for r in replicates:
        if trained is None:
            with pinned_threads(params.threads):
                state, history = replicate_network(*jobs[r])
        else:
            state, history = trained[r]
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
