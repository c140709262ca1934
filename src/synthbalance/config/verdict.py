"""``verdict``: the metric the verdict is stated in."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

# The headline metrics a verdict can be stated in (test_<metric> and val_<metric> of each run).
VERDICT_METRICS = ("balanced_accuracy", "minority_f1", "minority_pr_auc", "macro_f1", "g_mean")


class VerdictParams(BaseModel):
    """The metric the verdict is stated in, and the difference that matters."""

    model_config = ConfigDict(extra="forbid")

    metric: Literal[VERDICT_METRICS] = Field(  # type: ignore[valid-type]
        "balanced_accuracy",
        description="The headline metric: each GAN strategy against the "
        "best simple strategy, chosen by its mean validation score of this metric. "
        "`balanced_accuracy` (the mean per-class recall; the literature's ACSA) is not moved by "
        "the test set's class shares; `minority_f1` and `minority_pr_auc` are (they depend on "
        "how common the rare classes are in the test set). Every metric stays in every table",
    )
    margin: PositiveFloat = Field(
        0.005,
        lt=1,
        description="The smallest difference of the metric that matters (0.005: "
        'half a point). The verdict says "equivalent within ±margin" when the 95% interval '
        'of a difference lies inside it, "better" or "worse by at least" the interval\'s '
        'near end when it excludes zero, and otherwise "inconclusive", with the replicates '
        "that 80% power against the margin would need",
    )
