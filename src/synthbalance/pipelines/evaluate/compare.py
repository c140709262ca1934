"""compare_strategies: one table and one chart of every strategy's test scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from synthbalance.charts import comparison_chart
from synthbalance.metrics import HEADLINE
from synthbalance.results import StrategyResult


def _summary(values: list[float]) -> dict[str, float]:
    """Mean, standard deviation and the half-width of a 95% t-interval (NaN for one seed)."""
    n, mean = len(values), float(np.mean(values))
    std = float(np.std(values, ddof=1)) if n > 1 else float("nan")
    half = float(stats.t.ppf(0.975, n - 1) * std / np.sqrt(n)) if n > 1 else float("nan")
    return {"mean": mean, "std": std, "ci95": half}


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


def compare_strategies(*results: StrategyResult,
                       strategies: list[str]) -> tuple[pd.DataFrame, str, Figure]:  # fmt: skip
    """(table: a row per strategy, mean/std/ci95 of each headline metric; the same as
    Markdown; bar charts of balanced accuracy and rare-class F1 with 95% intervals)."""
    rows = []
    for result in checked_results(results, strategies):
        row = {"strategy": result.strategy, "seeds": len(result.runs),
               "train_images": result.train_images}  # fmt: skip
        for metric in HEADLINE:
            summary = _summary([run.metrics[metric] for run in result.runs])
            row |= {f"{metric}_{key}": value for key, value in summary.items()}
        rows.append(row)
    table = pd.DataFrame(rows)
    return table, _markdown(table), comparison_chart(table)


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
