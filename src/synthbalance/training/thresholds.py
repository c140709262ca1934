"""Post-hoc threshold moving (logit adjustment at prediction; Menon et al., ICLR 2021):
a trained network's logits less τ·log(prior), τ chosen on the validation set when it holds
enough rare images, else the theory's τ (``ThresholdParams``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from synthbalance.training.classifier import selection_scores


def choose_tau(
    logits: torch.Tensor,
    labels: np.ndarray,
    log_prior: torch.Tensor,
    taus: Sequence[float],
    metric: str,
    prefer: float = 1.0,
) -> tuple[float, dict[float, float]]:
    """(the τ of ``taus`` whose adjusted logits score best by ``metric``, of those within one
    image of the rarest class of the best (the step one such image makes in the metric: a
    tie) the nearest ``prefer`` (then the smaller): a saturated validation set, where every τ
    scores about the same, picks the theory's τ, not 0, which is ``none`` itself; each τ's
    score)."""
    if metric not in ("balanced_accuracy", "macro_f1"):
        raise ValueError(f"cannot choose τ by {metric!r}; choose balanced_accuracy or macro_f1")
    scores = {}
    for tau in sorted(taus):
        predicted = (logits - tau * log_prior).argmax(1).numpy()
        found = selection_scores(labels, predicted, logits.shape[1])
        scores[float(tau)] = float(found[f"val_{metric}"])
    best = max(scores.values())
    counts = np.bincount(labels, minlength=logits.shape[1])
    step = 1 / (logits.shape[1] * max(int(counts[counts > 0].min()), 1))
    tied = [tau for tau, value in scores.items() if best - value < step - 1e-9]
    return min(tied, key=lambda tau: (abs(tau - prefer), tau)), scores
