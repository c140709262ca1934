"""The seeds' comparison, "trained on generated, tested on real": ``synthetic_only`` (the rare
classes' real images replaced by the GAN's) beside ``oracle`` (every real image) and ``none``,
with the confusion matrices of the first two on the real test set."""

from __future__ import annotations

import numpy as np

from synthbalance.core.charts import confusion_image
from synthbalance.core.images import ImageSet
from synthbalance.core.results import StrategyResult
from synthbalance.core.statistics import bounded_interval
from synthbalance.pipelines.report import html

ROWS = {
    "synthetic_only": "trained on generated (the rare classes' real images replaced)",
    "none": "trained on the imbalanced real images",
    "oracle": "trained on every real image",
}
METRICS = ("test_accuracy", "test_balanced_accuracy", "test_minority_recall")


def _cell(values: list[float]) -> str:
    found = bounded_interval(values)
    if np.isnan(found["low"]):
        return f"{found['mean']:.4f}"
    return f"{found['mean']:.4f} [{found['low']:.4f}, {found['high']:.4f}]"


def generated_vs_real(results: dict[str, StrategyResult], test_set: ImageSet) -> str:
    """The section, or nothing when ``synthetic_only`` or ``oracle`` did not run."""
    if not {"synthetic_only", "oracle"} <= set(results):
        return ""
    head = "".join(
        f"<th>{html.escape(n)}</th>"
        for n in ["strategy", "", "accuracy", "balanced accuracy", "rare classes' recall"]
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(c)}</td>"
            for c in [name, what, *(_cell(results[name].scores(m)) for m in METRICS)]
        )
        + "</tr>"
        for name, what in ROWS.items()
        if name in results
    )
    replicates = len(results["oracle"].runs)
    values = "Mean over replicates [95% interval]" if replicates > 1 else "One replicate"
    matrices = [
        html.image(
            confusion_image(test_set, np.asarray(results[name].runs[0].predicted)),
            f"confusion matrix of {name} on the real test set",
        )
        for name in ("synthetic_only", "oracle")
    ]
    return (
        "<h2>Trained on generated, tested on real</h2>"
        '<p class="note">The seeds\' comparison: the same classifier trained with the rare '
        "classes' real training images replaced by the GAN's samples (synthetic_only), against "
        "one trained on every real image (oracle), both scored on the untouched real test set. "
        f"The other classes keep their real images in both. {values}.</p>"
        f'<table id="generated-vs-real"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        "</table>"
        '<p class="note">Confusion matrices of the first replicate on the real test set: '
        "synthetic_only (left), oracle (right).</p>"
        f'<div class="pair">{"".join(matrices)}</div>'
    )
