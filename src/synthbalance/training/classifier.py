"""The classifier every strategy trains: fit with validation-based selection, and predict.

``train_classifier`` trains one network from the seed's streams and keeps the weights that
score best on the real validation set; with ``world_size`` > 1 the same work runs on
torchrun's processes (``train_rank``). ``training.replicates`` trains one such network per
replicate and keeps each.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.metrics import balanced_accuracy_score, f1_score

from synthbalance.config import NetworkParams
from synthbalance.core import progress
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import make_rng
from synthbalance.distributed.launch import run_ranks
from synthbalance.distributed.rank import SINGLE, Rank, weights_digest
from synthbalance.models.classifier import Classifier
from synthbalance.models.pixels import to_unit
from synthbalance.training.batches import batches
from synthbalance.training.engine import CPU_FP32, Engine
from synthbalance.training.losses import PLAIN, Loss, criterion
from synthbalance.training.schedules import lr_schedule

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
