"""Post-hoc threshold moving (logit adjustment at prediction; Menon et al., ICLR 2021):
a trained network's logits less τ·log(prior), τ chosen on the validation set."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.metrics import balanced_accuracy_score, f1_score


def score(labels: np.ndarray, predicted: np.ndarray, metric: str, num_classes: int) -> float:
    """``metric`` (balanced_accuracy or macro_f1, as ``classifier.select_by``) of predictions."""
    if metric == "balanced_accuracy":
        return float(balanced_accuracy_score(labels, predicted))
    if metric == "macro_f1":
        return float(f1_score(labels, predicted, labels=range(num_classes), average="macro",
                              zero_division=0))  # fmt: skip
    raise ValueError(f"cannot choose τ by {metric!r}; choose balanced_accuracy or macro_f1")


def choose_tau(logits: torch.Tensor, labels: np.ndarray, log_prior: torch.Tensor,
               taus: Sequence[float], metric: str) -> tuple[float, dict[float, float]]:  # fmt: skip
    """(the τ of ``taus`` whose adjusted logits score best by ``metric``, the smallest of
    those tied; each τ's score)."""
    scores = {}
    for tau in sorted(taus):
        predicted = (logits - tau * log_prior).argmax(1).numpy()
        scores[float(tau)] = score(labels, predicted, metric, logits.shape[1])
    best = max(scores.values())
    return next(tau for tau, value in scores.items() if value == best), scores
