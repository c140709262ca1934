"""The comparison's bar chart, drawn by the evaluate pipeline and again in the report."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from synthbalance.strategies import REGISTRY


def comparison_chart(table: pd.DataFrame) -> Figure:
    """Balanced accuracy and rare-class F1 per strategy with their 95% intervals."""
    figure = Figure(figsize=(10, 4), layout="constrained")
    colours = ["tab:orange" if REGISTRY[s].family == "generative" else "tab:blue"
               for s in table["strategy"]]  # fmt: skip
    for axes, metric in zip(figure.subplots(1, 2), ["test_balanced_accuracy", "test_minority_f1"],
                            strict=True):  # fmt: skip
        mean = table[f"{metric}_mean"]
        errors = [
            (mean - table[f"{metric}_low"]).fillna(0),
            (table[f"{metric}_high"] - mean).fillna(0),
        ]
        axes.bar(table["strategy"], mean, yerr=errors, capsize=3, color=colours)
        axes.set_title(metric.removeprefix("test_").replace("_", " "))
        # a t-interval over two or three replicates can reach past 1: show it, do not cut it
        axes.set_ylim(0, max(1.0, float((mean + errors[1]).max()) * 1.02))
        axes.tick_params(axis="x", rotation=45)
    figure.suptitle(
        "Strategies on the real test set (orange: GAN-based; bars: 95% t-interval over replicates)"
    )
    return figure
