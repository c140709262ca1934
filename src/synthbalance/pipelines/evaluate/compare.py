"""compare_strategies: one table and one chart of every strategy's scores over replicates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from synthbalance.core.charts import comparison_chart
from synthbalance.core.metrics import HEADLINE
from synthbalance.core.results import StrategyResult
from synthbalance.core.statistics import bounded_interval, interval_text
from synthbalance.strategies import of_family

# The validation scores beside the test scores: what the verdict chooses a strategy by.
VALIDATION = [f"val_{metric.removeprefix('test_')}" for metric in HEADLINE]


def checked_results(results: tuple, strategies: list[str]) -> list[StrategyResult]:
    """``results`` when they are the results of ``strategies``, in order; else an error that
    names each strategy whose result is missing."""
    found = {r.strategy: r for r in results if isinstance(r, StrategyResult)}
    missing = [name for name in strategies if name not in found]
    if missing or len(results) != len(strategies):
        raise ValueError(
            f"no evaluation result for strategies {missing or 'among the inputs'}: expected a "
            f"StrategyResult for each of {strategies} from their report_strategy nodes"
        )
    return [found[name] for name in strategies]


def compare_strategies(
    *results: StrategyResult, strategies: list[str]
) -> tuple[pd.DataFrame, str, Figure, dict]:
    """(table: a row per strategy, the mean, standard deviation and 95% interval over
    replicates of each headline metric (a t-interval of the logits, inside [0, 1]), on the
    test and the validation set; the same as Markdown; a chart of balanced accuracy and
    rare-class F1, each strategy's mean and interval on the data's own range; the means and
    intervals as MLflow metrics ``<strategy>.<metric>.mean|low|high``)."""
    rows, checked = [], checked_results(results, strategies)
    for result in checked:
        row = {
            "strategy": result.strategy,
            "replicates": len(result.runs),
            "train_images": result.train_images,
        }
        for metric in HEADLINE + VALIDATION:
            summary = bounded_interval(result.scores(metric))
            row |= {f"{metric}_{key}": value for key, value in summary.items()}
        rows.append(row)
    table = pd.DataFrame(rows)
    return (
        table,
        _markdown(table, checked),
        comparison_chart(table, set(of_family("generative"))),
        _metrics(table),
    )


def _metrics(table: pd.DataFrame) -> dict:
    """The parent run's ``comparison.<strategy>.<metric>.mean|low|high`` (one replicate:
    the mean alone), so that two runs compare in the MLflow runs table."""
    metrics = {}
    for _, row in table.iterrows():
        for metric in HEADLINE:
            for key in ("mean", "low", "high"):
                value = row[f"{metric}_{key}"]
                if not np.isnan(value):
                    metrics[f"{row['strategy']}.{metric}.{key}"] = {
                        "value": float(value),
                        "step": 0,
                    }
    return metrics


def _markdown(table: pd.DataFrame, results: list[StrategyResult]) -> str:
    names = [m.removeprefix("test_") for m in HEADLINE]
    lines = [
        "| strategy | replicates | train images | " + " | ".join(names) + " |",
        "|---|---:|---:|" + "---:|" * len(names),
    ]
    for (_, row), result in zip(table.iterrows(), results, strict=True):
        few = 1 < len(result.runs) <= 3  # each replicate's value beside the interval
        cells = [
            interval_text(row, metric, result.scores(metric) if few else None)
            for metric in HEADLINE
        ]
        lines.append(
            f"| {row['strategy']} | {row['replicates']} | {row['train_images']} | "
            + " | ".join(cells)
            + " |"
        )
    note = (
        "\n\nTest-set scores: the mean over replicates and its 95% interval (a "
        "t-interval of the logits, R - 1 degrees of freedom, mapped back: it stays inside "
        "[0, 1]); one replicate gives none; with three or fewer, each replicate's value "
        "follows in brackets.\n"
    )
    return "\n".join(lines) + note
