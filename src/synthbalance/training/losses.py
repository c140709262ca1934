"""The classifier's losses: plain cross-entropy and the loss-based fixes for imbalance.

Each is a function of (logits, labels, step) made once from the training set's class counts
and the training's length, so the same network, budget and batches serve every strategy and
only the loss differs:

- ``cross_entropy``: plain.
- ``class_weight``: cross-entropy weighted n / (K·n_c) per class (scikit-learn's "balanced").
- ``logit_adjust``: the logit-adjusted loss (Menon et al., ICLR 2021): cross-entropy of
  logits + τ·log(prior), the prior being the training set's class shares; prediction uses the
  plain logits. τ = 1 is the Balanced Softmax loss.
- ``ldam_drw``: LDAM (Cao et al., NeurIPS 2019): the true class's logit lowered by a margin
  ∝ n_c^(-1/4), the largest ``max_margin``, all scaled by ``scale``, on a cosine head (the
  network's last layer normalised, as in the paper's code); with deferred re-weighting: from
  the step after ``drw_start`` of the steps, each class weighted by the inverse of its
  effective number (1 − β^n_c) / (1 − β), normalised to sum to K.
"""
# ruff: noqa: RUF002 -- the formulas' Greek letters and multiplication signs are meant

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F

Kind = Literal["cross_entropy", "class_weight", "logit_adjust", "ldam_drw"]
Criterion = Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]


@dataclass(frozen=True)
class Loss:
    """A loss by name, and its settings (``strategies.<name>``'s block, as plain values)."""

    kind: Kind = "cross_entropy"
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def head(self) -> Literal["linear", "cosine"]:
        """The last layer the loss is meant for: LDAM's margins are on cosine logits."""
        return "cosine" if self.kind == "ldam_drw" else "linear"

    def fingerprint(self) -> dict[str, Any]:
        """What makes two trainings differ: ``class_weighted`` alone for the two losses the
        networks were first kept under (so that those networks are still found), and the
        loss with its settings for the others."""
        if self.kind in ("cross_entropy", "class_weight"):
            return {"class_weighted": self.kind == "class_weight"}
        return {"class_weighted": False, "loss": {"kind": self.kind, **self.settings}}

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "settings": dict(self.settings)}


PLAIN = Loss()
CLASS_WEIGHT = Loss("class_weight")


def class_weights(counts: np.ndarray) -> torch.Tensor:
    """n / (K·n_c) per class (scikit-learn's "balanced"); 0 for a class with no images."""
    counts = torch.as_tensor(np.asarray(counts), dtype=torch.float32)
    weights = counts.sum() / (len(counts) * counts.clamp(min=1))
    return torch.where(counts > 0, weights, torch.zeros_like(weights))


def log_prior(counts: np.ndarray) -> torch.Tensor:
    """log of each class's share of the training set (a class with no image counted as one,
    so that its log stays finite)."""
    counts = torch.as_tensor(np.asarray(counts), dtype=torch.float32).clamp(min=1)
    return torch.log(counts / counts.sum())


def ldam_margins(counts: np.ndarray, max_margin: float) -> torch.Tensor:
    """m_c ∝ n_c^(-1/4), the rarest class's margin ``max_margin``."""
    counts = torch.as_tensor(np.asarray(counts), dtype=torch.float64).clamp(min=1)
    margins = counts**-0.25
    return (margins * (max_margin / margins.max())).float()


def effective_number_weights(counts: np.ndarray, beta: float) -> torch.Tensor:
    """(1 − β) / (1 − β^n_c) per class, normalised to sum to K (Cui et al., 2019)."""
    counts = torch.as_tensor(np.asarray(counts), dtype=torch.float64).clamp(min=1)
    weights = (1 - beta) / (1 - beta**counts)
    return (weights / weights.sum() * len(counts)).float()


def drw_first_step(steps: int, start: float) -> int:
    """The first (1-based) step trained with the re-weighting: the one after ``start`` of
    ``steps`` (0.8 of 200 epochs: from epoch 161, as in the paper)."""
    return round(start * steps) + 1


def ldam(
    logits: torch.Tensor,
    labels: torch.Tensor,
    margins: torch.Tensor,
    scale: float,
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """Cross-entropy of ``scale`` · (logits less the true class's margin)."""
    true = F.one_hot(labels, logits.shape[1]).to(logits.dtype)
    return F.cross_entropy(scale * (logits - true * margins[labels, None]), labels, weight=weight)


def criterion(loss: Loss, counts: np.ndarray, steps: int) -> Criterion:
    """The function (logits, labels, step) -> loss of ``loss`` for a training set of class
    ``counts`` trained for ``steps`` steps."""
    s = loss.settings
    if loss.kind == "cross_entropy":
        return lambda logits, labels, step: F.cross_entropy(logits, labels)
    if loss.kind == "class_weight":
        weight = class_weights(counts)
        return lambda logits, labels, step: F.cross_entropy(logits, labels, weight=weight)
    if loss.kind == "logit_adjust":
        shift = s["tau"] * log_prior(counts)
        return lambda logits, labels, step: F.cross_entropy(logits + shift, labels)
    if loss.kind == "ldam_drw":
        margins = ldam_margins(counts, s["max_margin"])
        weights = effective_number_weights(counts, s["beta"])
        first = drw_first_step(steps, s["drw_start"])

        def ldam_drw(logits: torch.Tensor, labels: torch.Tensor, step: int) -> torch.Tensor:
            return ldam(logits, labels, margins, s["scale"], weights if step >= first else None)

        return ldam_drw
    raise ValueError(f"unknown loss {loss.kind!r}; choose from {list(Kind.__args__)}")
