"""The classifier every strategy trains: fit with validation-based selection, and predict.

``train_classifier`` trains one network per seed in ``params.seeds``, each from its own seeded
streams, and keeps the weights that score best on the real validation set. With
``world_size`` > 1 the same work runs on torchrun's processes (``train_rank``).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.metrics import balanced_accuracy_score, f1_score
from tqdm.auto import tqdm

from synthbalance.config import ClassifierParams
from synthbalance.distributed.launch import run_ranks
from synthbalance.distributed.rank import SINGLE, Rank, weights_digest
from synthbalance.images import ImageSet
from synthbalance.models.classifier import Classifier
from synthbalance.models.edge import to_unit
from synthbalance.seeding import make_rng, torch_generator


@torch.inference_mode()
def probabilities(classifier: Classifier, seed: int, images: np.ndarray) -> np.ndarray:
    """Softmax (N, K) of the network of ``seed`` for uint8 images (N, C, H, W)."""
    classifier.eval()
    batches = torch.from_numpy(np.array(images)).split(1024)
    return torch.cat([F.softmax(classifier(to_unit(b), seed), 1) for b in batches]).numpy()


def validation_scores(classifier: Classifier, seed: int, validation: ImageSet) -> dict:
    """val_balanced_accuracy and val_macro_f1 (over all classes, as on the test set)."""
    predicted = probabilities(classifier, seed, validation.images).argmax(1)
    return {
        "val_balanced_accuracy": balanced_accuracy_score(validation.labels, predicted),
        "val_macro_f1": f1_score(validation.labels, predicted, labels=range(validation.num_classes),
                                 average="macro", zero_division=0),
    }  # fmt: skip


def class_weights(train_set: ImageSet) -> torch.Tensor:
    """n / (K x n_c) per class (scikit-learn's "balanced"); 0 for a class with no images."""
    counts = torch.from_numpy(train_set.class_counts()).float()
    weights = len(train_set) / (len(counts) * counts.clamp(min=1))
    return torch.where(counts > 0, weights, torch.zeros_like(weights))


def _fit(classifier, seed, train_set, validation, params, class_weighted, global_seed,
         rank: Rank = SINGLE):  # fmt: skip
    """Train the network of ``seed``; keep the weights that score best on validation.
    Under DDP every rank draws the same batch and trains on its ``rank.shard`` of it."""
    net = classifier.nets[str(seed)]
    model = rank.wrap(net)  # DDP averages the ranks' gradients in backward
    optimiser = torch.optim.Adam(net.parameters(), params.lr)
    rng = torch_generator(global_seed, f"classifier.{seed}")
    images, labels = (torch.from_numpy(np.array(train_set.images)),
                      torch.from_numpy(np.array(train_set.labels)))  # fmt: skip
    weight = class_weights(train_set) if class_weighted else None
    history, losses, best, best_score = [], [], None, -1.0
    for step in tqdm(range(1, params.steps + 1), desc=f"classifier seed {seed}", disable=None):
        model.train()
        index = rank.shard(torch.randint(len(images), (params.batch_size,), generator=rng))
        loss = F.cross_entropy(model(to_unit(images[index])), labels[index], weight=weight)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
        if step % params.eval_every == 0 or step == params.steps:
            scores = validation_scores(classifier, seed, validation)
            history.append({"seed": seed, "step": step, "train_loss": float(np.mean(losses)),
                            **scores})  # fmt: skip
            losses.clear()
            if scores[f"val_{params.select_by}"] > best_score:
                best_score = scores[f"val_{params.select_by}"]
                best = copy.deepcopy(net.state_dict())
    net.load_state_dict(best)
    return history


def new_classifier(train_set: ImageSet, params: ClassifierParams) -> Classifier:
    """A freshly initialised network per seed, shaped for ``train_set``."""
    _, channels, size, _ = train_set.images.shape
    return Classifier(params.architecture, channels, size, list(train_set.class_names),
                      params.width, params.seeds)  # fmt: skip


def train_classifier(
    train_set: ImageSet,
    validation: ImageSet,
    params: ClassifierParams,
    seed: int,
    class_weighted: bool = False,
) -> tuple[Classifier, pd.DataFrame]:
    """(one network per seed, selected on the real validation set; the training curves).
    With ``world_size`` > 1, torchrun's processes train it and rank 0's result comes back."""
    if params.world_size == 1:
        return train_on_rank(train_set, validation, params, seed, class_weighted)
    settings = {"params": params.model_dump(mode="json"), "seed": seed,
                "class_weighted": class_weighted}  # fmt: skip
    inputs = {"train_set": train_set, "validation": validation}
    result = run_ranks(train_rank, params.world_size, "cpu", inputs, settings)
    with torch.random.fork_rng(devices=[]):  # its initial weights are replaced: RNG untouched
        classifier = new_classifier(train_set, params)
    classifier.load_state_dict(result["classifier"])
    return classifier.eval(), pd.DataFrame(result["history"])


def train_on_rank(train_set, validation, params, seed, class_weighted, rank: Rank = SINGLE):
    """``train_classifier``'s work in this process, alone or as one rank of several."""
    classifier = new_classifier(train_set, params)
    history = []
    for replicate in params.seeds:
        # Each seed's network from its own stream (initial weights, dropout), so that seed 1
        # gives the same network whichever other seeds run beside it.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(make_rng(seed, f"classifier-init.{replicate}").integers(2**62)))
            net = classifier.nets[str(replicate)]
            for layer in net.modules():
                if hasattr(layer, "reset_parameters"):
                    layer.reset_parameters()
            if rank.world_size > 1:  # the same weights on every rank, but dropout of its own
                stream = f"classifier-dropout.{replicate}.{rank.rank}"
                torch.manual_seed(int(make_rng(seed, stream).integers(2**62)))
            history += _fit(classifier, replicate, train_set, validation, params,
                            class_weighted, seed, rank)  # fmt: skip
    return classifier.eval(), pd.DataFrame(history)


def train_rank(inputs: dict[str, ImageSet], job: dict, rank: Rank) -> dict:
    """One torchrun worker's part: ``train_on_rank`` with this rank. Every rank draws the same
    batch of each step and trains on its shard; DDP averages the gradients. Every rank scores
    the validation set (the same weights give the same scores), so every rank keeps the same
    best weights: {"classifier": its state, "history": plain rows, "digest": the weights' hash}."""
    params = ClassifierParams(**job["params"])
    classifier, history = train_on_rank(inputs["train_set"], inputs["validation"], params,
                                        job["seed"], job["class_weighted"], rank)  # fmt: skip
    rows = [{key: value.item() if isinstance(value, np.generic) else value
             for key, value in row.items()} for row in history.to_dict("records")]  # fmt: skip
    return {"classifier": classifier.state_dict(), "history": rows,
            "digest": weights_digest([classifier])}  # fmt: skip
