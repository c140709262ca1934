"""evaluate: the same classifier trained on every strategy's set, scored on the real test set."""

from __future__ import annotations

import copy
import logging
from typing import Literal

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator
from sklearn.metrics import balanced_accuracy_score, confusion_matrix, f1_score
from tqdm.auto import tqdm

from synthbalance.distributed.launch import run_ranks
from synthbalance.distributed.rank import SINGLE, Rank
from synthbalance.images import ImageSet
from synthbalance.models.classifier import Classifier
from synthbalance.models.edge import to_unit
from synthbalance.pipelines.evaluate.metrics import classification_metrics
from synthbalance.seeding import make_rng, torch_generator

logger = logging.getLogger(__name__)


class ClassifierParams(BaseModel):
    """One architecture, budget and selection rule for every strategy."""

    model_config = ConfigDict(extra="forbid")

    architecture: Literal["cnn", "mlp"] = "cnn"
    width: PositiveInt = 16
    steps: PositiveInt = 1500
    batch_size: PositiveInt = 128
    lr: float = Field(1e-3, gt=0)
    eval_every: PositiveInt = 250
    select_by: Literal["balanced_accuracy", "macro_f1"] = "balanced_accuracy"
    seeds: list[int] = Field([0], min_length=1, description="one classifier per seed")
    world_size: PositiveInt = Field(
        1, description="processes training together under DDP (gloo, on the CPU), launched "
        "by torchrun on this machine; 1: this process alone"
    )  # fmt: skip

    @field_validator("seeds")
    @classmethod
    def _distinct(cls, seeds: list[int]) -> list[int]:
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct, got {seeds}")
        return seeds


@torch.inference_mode()
def _probabilities(classifier: Classifier, seed: int, images: np.ndarray) -> np.ndarray:
    classifier.eval()
    batches = torch.from_numpy(np.array(images)).split(1024)
    return torch.cat([F.softmax(classifier(to_unit(b), seed), 1) for b in batches]).numpy()


def _validation_scores(classifier, seed, validation: ImageSet) -> dict[str, float]:
    predicted = _probabilities(classifier, seed, validation.images).argmax(1)
    return {
        "val_balanced_accuracy": balanced_accuracy_score(validation.labels, predicted),
        "val_macro_f1": f1_score(
            validation.labels,
            predicted,
            labels=range(validation.num_classes),
            average="macro",
            zero_division=0,
        ),  # as on the test set
    }


def _class_weights(train_set: ImageSet) -> torch.Tensor:
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
    images, labels = (
        torch.from_numpy(np.array(train_set.images)),
        torch.from_numpy(np.array(train_set.labels)),
    )
    weight = _class_weights(train_set) if class_weighted else None
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
            scores = _validation_scores(classifier, seed, validation)
            history.append({"seed": seed, "step": step, "train_loss": float(np.mean(losses)),
                            **scores})  # fmt: skip
            losses.clear()
            if scores[f"val_{params.select_by}"] > best_score:
                best_score, best = (
                    scores[f"val_{params.select_by}"],
                    copy.deepcopy(net.state_dict()),
                )
    net.load_state_dict(best)
    return history


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
    result = run_ranks("classifier", params.world_size, "cpu", inputs, settings)
    with torch.random.fork_rng(devices=[]):  # its initial weights are replaced: RNG untouched
        classifier = _new_classifier(train_set, params)
    classifier.load_state_dict(result["classifier"])
    return classifier.eval(), pd.DataFrame(result["history"])


def _new_classifier(train_set: ImageSet, params: ClassifierParams) -> Classifier:
    _, channels, size, _ = train_set.images.shape
    return Classifier(params.architecture, channels, size, list(train_set.class_names),
                      params.width, params.seeds)  # fmt: skip


def train_on_rank(train_set, validation, params, seed, class_weighted, rank: Rank = SINGLE):
    """``train_classifier``'s work in this process, alone or as one rank of several."""
    classifier = _new_classifier(train_set, params)
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


def rare_classes(synthetic: ImageSet) -> list[int]:
    """The classes the rebalancing is about: those the GAN generated."""
    return sorted(int(c) for c in np.unique(synthetic.labels))


def score_classifier(
    classifier: Classifier, test_set: ImageSet, synthetic: ImageSet
) -> tuple[dict[str, dict[str, float]], Figure, dict[str, list[int]]]:
    """({seed: test metrics}, the confusion matrix of the first seed, {seed: the predicted
    label of each test image}) on the real test set. The predictions let the report compare
    two strategies image by image (a paired bootstrap)."""
    if classifier.class_names != list(test_set.class_names):
        raise ValueError(
            f"the classifier knows classes {classifier.class_names}, the test set "
            f"{list(test_set.class_names)}; train and test must come from one task"
        )
    rare = rare_classes(synthetic)
    scores, predicted = {}, {}
    for seed in classifier.seeds:
        probabilities = _probabilities(classifier, seed, test_set.images)
        scores[str(seed)] = classification_metrics(
            test_set.labels, probabilities, classifier.class_names, rare
        )
        predicted[str(seed)] = probabilities.argmax(1).tolist()
    first = np.asarray(next(iter(predicted.values())))
    return scores, _confusion_figure(test_set, first), predicted


def _confusion_figure(test_set: ImageSet, predicted: np.ndarray) -> Figure:
    names = list(test_set.class_names)
    matrix = confusion_matrix(test_set.labels, predicted, labels=list(range(len(names))))
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure = Figure(figsize=(1.2 + 0.6 * len(names), 1 + 0.6 * len(names)), layout="constrained")
    axes = figure.subplots()
    axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(matrix):
        axes.text(j, i, f"{count}", ha="center", va="center", fontsize=7,
                  color="white" if share[i, j] > 0.5 else "black")  # fmt: skip
    axes.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true (real test set)")
    return figure


def report_strategy(
    train_set: ImageSet,
    training_history: pd.DataFrame,
    test_scores: dict,
    test_predictions: dict,
    strategy: str,
) -> dict:
    """Everything a strategy's child runs in MLflow show, and each seed's predicted test
    labels for the report's paired comparison, as plain data (JSON)."""
    origins, counts = np.unique(train_set.origin, return_counts=True)
    by_class = train_set.class_counts().tolist()
    return {
        "strategy": strategy,
        "train_images": len(train_set),
        "train_by_origin": dict(zip(origins.tolist(), counts.tolist(), strict=True)),
        "train_by_class": dict(zip(train_set.class_names, by_class, strict=True)),
        "runs": [
            {
                "seed": int(seed),
                "metrics": metrics,
                "predicted": test_predictions[seed],
                "history": training_history[training_history["seed"] == int(seed)]
                .drop(columns="seed")
                .to_dict("records"),
            }
            for seed, metrics in test_scores.items()
        ],
    }
