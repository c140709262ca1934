"""evaluate: score each strategy's classifier on the real test set, and report it.

Its training node is the library's own ``training.classifier.train_classifier``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import confusion_matrix

from synthbalance.images import ImageSet
from synthbalance.metrics import classification_metrics, rare_classes
from synthbalance.models.classifier import Classifier
from synthbalance.results import SeedRun, StrategyResult
from synthbalance.training.classifier import probabilities as predict


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
        probabilities = predict(classifier, seed, test_set.images)
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
) -> StrategyResult:
    """The strategy's ``StrategyResult``: its training set in counts and, per classifier
    seed, its test metrics, predicted test labels and validation curve."""
    origins, counts = np.unique(train_set.origin, return_counts=True)
    by_class = train_set.class_counts().tolist()
    runs = [
        SeedRun(
            seed=int(seed),
            metrics=metrics,
            predicted=test_predictions[seed],
            history=training_history[training_history["seed"] == int(seed)]
            .drop(columns="seed")
            .to_dict("records"),
        )
        for seed, metrics in test_scores.items()
    ]
    return StrategyResult(
        strategy=strategy,
        train_images=len(train_set),
        train_by_origin=dict(zip(origins.tolist(), counts.tolist(), strict=True)),
        train_by_class=dict(zip(train_set.class_names, by_class, strict=True)),
        runs=runs,
    )
