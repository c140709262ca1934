"""Scores of predictions on the real test set, under the same keys for every strategy."""

from __future__ import annotations

import re

import numpy as np
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    precision_recall_fscore_support,
)

HEADLINE = [
    "test_balanced_accuracy",
    "test_minority_f1",
    "test_minority_pr_auc",
    "test_macro_f1",
    "test_g_mean",
    "test_accuracy",
]


def metric_name(class_name: str) -> str:
    """A class name as a piece of an MLflow metric key."""
    return re.sub(r"[^\w.-]+", "_", class_name).strip("_") or "class"


def classification_metrics(
    labels: np.ndarray, probabilities: np.ndarray, class_names: list[str], rare: list[int]
) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro-F1, G-mean, per-class P/R/F1, and the rare classes'
    mean precision, recall, F1 and PR-AUC (average precision, one class against the rest)."""
    classes = list(range(len(class_names)))
    predicted = probabilities.argmax(axis=1)
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predicted, labels=classes, zero_division=0
    )
    metrics = {
        "test_accuracy": accuracy_score(labels, predicted),
        "test_balanced_accuracy": balanced_accuracy_score(labels, predicted),
        "test_macro_f1": f1_score(
            labels, predicted, labels=classes, average="macro", zero_division=0
        ),
        "test_g_mean": geometric_mean_score(
            labels, predicted, labels=classes, average="multiclass"
        ),
        "test_minority_precision": precision[rare].mean(),
        "test_minority_recall": recall[rare].mean(),
        "test_minority_f1": f1[rare].mean(),
        "test_minority_pr_auc": np.mean(
            [average_precision_score(labels == c, probabilities[:, c]) for c in rare]
        ),
    }
    for c, name in enumerate(class_names):
        key = metric_name(name)
        metrics |= {
            f"test_precision_{key}": precision[c],
            f"test_recall_{key}": recall[c],
            f"test_f1_{key}": f1[c],
        }
    return {key: round(float(value), 6) for key, value in metrics.items()}


def rare_classes(synthetic) -> list[int]:
    """The classes the rebalancing is about: those the GAN generated (labels of ``synthetic``)."""
    return sorted(int(c) for c in np.unique(synthetic.labels))
