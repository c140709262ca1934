"""Imbalance: make chosen classes rare, carve a validation set, summarise the counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from synthbalance.config import ImbalanceParams
from synthbalance.core.images import ImageSet, held_counts, stratified_split
from synthbalance.core.seeding import make_rng


def label_for_task(image_set: ImageSet, params: ImbalanceParams) -> ImageSet:
    """The same images labelled for the task (one_vs_rest: the binary labels)."""
    return params.profile.relabel(image_set)


def make_imbalanced(train_full: ImageSet, params: ImbalanceParams, seed: int) -> ImageSet:
    """A seeded random subset of ``train_full`` with the profile's count of each class.

    Every count is checked, the validation split's included, before anything is drawn.
    """
    targets = params.profile.targets(train_full)
    counts = train_full.class_counts()
    kept_counts = np.array([targets.get(label, n) for label, n in enumerate(counts)])
    held_counts(train_full, kept_counts, params.validation_fraction, "validation")
    rng = make_rng(seed, "imbalance")
    kept = [
        rng.choice(np.flatnonzero(train_full.labels == label), size=n, replace=False)
        for label, n in enumerate(kept_counts)
    ]
    return train_full.take(np.sort(np.concatenate(kept)))


def split_validation(
    imbalanced: ImageSet, params: ImbalanceParams, seed: int
) -> tuple[ImageSet, ImageSet]:
    """(train_imbalanced, validation): a stratified split, as imbalanced as the data."""
    rng = make_rng(seed, "validation")
    return stratified_split(imbalanced, params.validation_fraction, rng, "validation")


def summarise_imbalance(
    train_full: ImageSet, train_imbalanced: ImageSet, validation: ImageSet
) -> pd.DataFrame:
    """Per-class counts before and after, one row per class."""
    before = train_full.class_counts()
    train, held = train_imbalanced.class_counts(), validation.class_counts()
    return pd.DataFrame(
        {
            "label": np.arange(train_full.num_classes),
            "class_name": train_full.class_names,
            "before": before,
            "after": train + held,
            "train": train,
            "validation": held,
            "kept_fraction": np.round((train + held) / np.maximum(before, 1), 4),
        }
    )


def plot_imbalance(imbalance_summary: pd.DataFrame) -> Figure:
    """Bar chart of each class's count before and after, on a log scale."""
    # A bare Figure, not pyplot: no global figure registry, no display backend.
    figure = Figure(figsize=(max(6, 0.6 * len(imbalance_summary) + 3), 4), layout="constrained")
    axes = figure.subplots()
    x = np.arange(len(imbalance_summary))
    for offset, column in ((-0.2, "before"), (0.2, "after")):
        bars = axes.bar(x + offset, imbalance_summary[column], width=0.4, label=column)
        axes.bar_label(bars, fontsize=7, rotation=90, padding=2)
    axes.set_xticks(x, imbalance_summary["class_name"], rotation=45, ha="right")
    # Log scale from 1 so that bar heights compare ratios, with room above for the labels.
    axes.set_yscale("log")
    axes.set_ylim(0.8, imbalance_summary["before"].max() * 6)
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_ylabel("training images (log scale)")
    axes.set_title("Class counts before and after the imbalance step")
    figure.legend(loc="outside right upper", frameon=False)
    return figure
