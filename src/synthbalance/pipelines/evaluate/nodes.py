"""evaluate: train each strategy's network of every replicate, score them on the real test
set (and, for choosing between strategies, on the validation set), and report them."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from PIL import Image

from synthbalance.config import ClassifierParams, StrategiesParams
from synthbalance.core.charts import confusion_image
from synthbalance.core.images import ImageSet
from synthbalance.core.metrics import classification_metrics, rare_classes
from synthbalance.core.results import ReplicateRun, StrategyResult
from synthbalance.core.seeding import replicate_seed
from synthbalance.framework import context
from synthbalance.models.classifier import Classifier
from synthbalance.training.classifier import logits, probabilities
from synthbalance.training.losses import Loss, log_prior
from synthbalance.training.replicates import train_replicates
from synthbalance.training.thresholds import choose_tau

logger = logging.getLogger(__name__)


def per_replicate(sets: dict[str, ImageSet], name: str, replicates: int) -> list[ImageSet]:
    """``<name>_0``, ``<name>_1``, ... of ``sets`` in order; or ``<name>`` once for every
    replicate, when all share it (the validation set without ``redraw_imbalance``)."""
    if name in sets:
        return [sets[name]] * replicates
    numbered = [sets.get(f"{name}_{r}") for r in range(replicates)]
    if any(image_set is None for image_set in numbered):
        raise ValueError(
            f"expected {name} or {name}_0 ... {name}_{replicates - 1} among the inputs, got "
            f"{sorted(sets)}"
        )
    return numbered


def train_strategy(
    params: ClassifierParams,
    seed: int,
    loss: str = "cross_entropy",
    strategies: StrategiesParams | None = None,
    **sets: ImageSet,
) -> tuple[Classifier, pd.DataFrame]:
    """The strategy's network of each replicate r (``train_set_<r>``), trained with ``loss``
    (its settings: ``strategies.<loss>``, where that block exists) and selected on its
    validation set: ``training.replicates.train_replicates``."""
    block = getattr(strategies, loss, None) if strategies is not None else None
    settings = block.model_dump() if block is not None else {}
    count = sum(name.startswith("train_set_") for name in sets)
    return train_replicates(
        per_replicate(sets, "train_set", count),
        per_replicate(sets, "validation", count),
        params,
        seed,
        Loss(loss, settings),
    )


def move_thresholds(
    classifier: Classifier,
    training_history: pd.DataFrame,
    strategies: StrategiesParams,
    params: ClassifierParams,
    **sets: ImageSet,
) -> tuple[Classifier, pd.DataFrame, dict]:
    """``classifier``'s networks unchanged, each replicate r's logits less τ_r·log(prior of
    ``train_set_<r>``), τ_r chosen from ``strategies.threshold.taus`` by
    ``params.select_by`` on r's validation set, or ``strategies.threshold.fallback`` where
    its rarest class has fewer than ``min_rare_validation`` images: (that classifier, the
    networks' own curves, each replicate's τ and validation score as MLflow metrics)."""
    count = len(classifier.replicates)
    train_sets = per_replicate(sets, "train_set", count)
    validations = per_replicate(sets, "validation", count)
    offsets, metrics = {}, {}
    for r in classifier.replicates:
        prior = log_prior(train_sets[r].class_counts())
        held, threshold = validations[r], strategies.threshold
        fewest = int(held.class_counts().min())
        if fewest < threshold.min_rare_validation:
            tau, scores = threshold.fallback, {}
            logger.warning(
                "threshold: the validation set's rarest class has %d images (fewer "
                "than %d): τ is not chosen on it, τ = %s",
                fewest,
                threshold.min_rare_validation,
                tau,
            )
        else:
            tau, scores = choose_tau(
                logits(classifier, r, held.images),
                held.labels,
                prior,
                threshold.taus,
                params.select_by,
                threshold.fallback,
            )
        offsets[r] = tau * prior
        metrics[f"{context.replicate(r)}.tau"] = {"value": tau, "step": 0}
        metrics[f"{context.replicate(r)}.tau_chosen_on_validation"] = {
            "value": float(bool(scores)),
            "step": 0,
        }
        if scores:  # each τ's validation score, in the grid's order (none without a choice)
            metrics[f"{context.replicate(r)}.val_{params.select_by}"] = [
                {"value": value, "step": step} for step, value in enumerate(scores.values())
            ]
    return classifier.with_offsets(offsets), training_history, metrics


def score_classifier(
    classifier: Classifier, test_set: ImageSet, synthetic: ImageSet, **validations: ImageSet
) -> tuple[dict, Image.Image, dict]:
    """({replicate: its test_* and val_* metrics}, the confusion matrix of replicate 0,
    {replicate: the predicted label of each test image}). The test set scores; the
    validation set (``validation`` or ``validation_<r>``) is what the verdict chooses by."""
    if classifier.class_names != list(test_set.class_names):
        raise ValueError(
            f"the classifier knows classes {classifier.class_names}, the test set "
            f"{list(test_set.class_names)}; train and test must come from one task"
        )
    rare = rare_classes(synthetic)
    held = per_replicate(validations, "validation", len(classifier.replicates))
    scores, predicted = {}, {}
    for r in classifier.replicates:
        on_test = probabilities(classifier, r, test_set.images)
        on_validation = probabilities(classifier, r, held[r].images)
        test = classification_metrics(test_set.labels, on_test, classifier.class_names, rare)
        val = classification_metrics(held[r].labels, on_validation, classifier.class_names, rare)
        scores[str(r)] = test | {f"val_{key.removeprefix('test_')}": v for key, v in val.items()}
        predicted[str(r)] = on_test.argmax(1).tolist()
    first = np.asarray(next(iter(predicted.values())))
    return scores, confusion_image(test_set, first), predicted


def report_strategy(
    train_set: ImageSet,
    training_history: pd.DataFrame,
    test_scores: dict,
    test_predictions: dict,
    strategy: str,
    seed: int,
) -> StrategyResult:
    """The strategy's ``StrategyResult``: its training set (replicate 0's) in counts and, per
    replicate, its seed, test and validation metrics, predicted test labels and validation
    curve."""
    origins, counts = np.unique(train_set.origin, return_counts=True)
    by_class = train_set.class_counts().tolist()
    runs = [
        ReplicateRun(
            replicate=int(r),
            seed=replicate_seed(seed, int(r)),
            metrics=metrics,
            predicted=test_predictions[r],
            history=training_history[training_history["replicate"] == int(r)]
            .drop(columns="replicate")
            .to_dict("records"),
        )
        for r, metrics in test_scores.items()
    ]
    return StrategyResult(
        strategy=strategy,
        train_images=len(train_set),
        train_by_origin=dict(zip(origins.tolist(), counts.tolist(), strict=True)),
        train_by_class=dict(zip(train_set.class_names, by_class, strict=True)),
        runs=runs,
    )
