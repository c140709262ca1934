"""compare_strategies: one table and one chart of every strategy's test scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from synthbalance.pipelines.evaluate.metrics import HEADLINE


def _summary(values: list[float]) -> dict[str, float]:
    """Mean, standard deviation and the half-width of a 95% t-interval (NaN for one seed)."""
    n, mean = len(values), float(np.mean(values))
    std = float(np.std(values, ddof=1)) if n > 1 else float("nan")
    half = float(stats.t.ppf(0.975, n - 1) * std / np.sqrt(n)) if n > 1 else float("nan")
    return {"mean": mean, "std": std, "ci95": half}


def compare_strategies(*reports: dict) -> tuple[pd.DataFrame, str, Figure]:
    """(table: a row per strategy, mean/std/ci95 of each headline metric; the same as
    Markdown; bar charts of balanced accuracy and rare-class F1 with 95% intervals)."""
    rows = []
    for report in reports:
        row = {"strategy": report["strategy"], "seeds": len(report["runs"]),
               "train_images": report["train_images"]}  # fmt: skip
        for metric in HEADLINE:
            summary = _summary([run["metrics"][metric] for run in report["runs"]])
            row |= {f"{metric}_{key}": value for key, value in summary.items()}
        rows.append(row)
    table = pd.DataFrame(rows)
    return table, _markdown(table), chart(table)


def _markdown(table: pd.DataFrame) -> str:
    names = [m.removeprefix("test_") for m in HEADLINE]
    lines = ["| strategy | seeds | train images | " + " | ".join(names) + " |",
             "|---|---:|---:|" + "---:|" * len(names)]  # fmt: skip
    for _, row in table.iterrows():
        cells = []
        for metric in HEADLINE:
            mean, half = row[f"{metric}_mean"], row[f"{metric}_ci95"]
            cells.append(f"{mean:.4f}" if np.isnan(half) else f"{mean:.4f} ± {half:.4f}")
        lines.append(f"| {row['strategy']} | {row['seeds']} | {row['train_images']} | "
                     + " | ".join(cells) + " |")  # fmt: skip
    note = "\n\n± is the half-width of a 95% t-interval over seeds; one seed gives none.\n"
    return "\n".join(lines) + note


def chart(table: pd.DataFrame) -> Figure:
    figure = Figure(figsize=(10, 4), layout="constrained")
    for axes, metric in zip(figure.subplots(1, 2), ["test_balanced_accuracy", "test_minority_f1"],
                            strict=True):  # fmt: skip
        errors = table[f"{metric}_ci95"].fillna(0)
        axes.bar(table["strategy"], table[f"{metric}_mean"], yerr=errors, capsize=3,
                 color=["tab:orange" if s.startswith("gan") or s == "synthetic_only" else
                        "tab:blue" for s in table["strategy"]])  # fmt: skip
        axes.set_title(metric.removeprefix("test_").replace("_", " "))
        # a t-interval over two or three seeds can reach past 1: show it rather than cut it
        axes.set_ylim(0, max(1.0, float((table[f"{metric}_mean"] + errors).max()) * 1.02))
        axes.tick_params(axis="x", rotation=45)
    figure.suptitle("Strategies on the real test set (orange: GAN-based; bars: 95% CI over seeds)")
    return figure
