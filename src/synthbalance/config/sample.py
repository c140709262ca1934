"""``sample``: how many synthetic images of each class, and which of them to keep."""
# ruff: noqa: RUF001 -- Markdown prose: its multiplication and minus signs are meant

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt


class SampleParams(BaseModel):
    """How many synthetic images of each class, and which of them to keep."""

    model_config = ConfigDict(extra="forbid")

    target_ratio: float = Field(
        1.0, gt=0, description="Top each generated class up to this × the largest class's count"
    )
    per_class: PositiveInt | None = Field(
        None, description="Instead of `target_ratio`: exactly this many synthetic images of each "
        "generated class"
    )  # fmt: skip
    filter: Literal["none", "discriminator"] = Field(
        "none", description="`discriminator`: keep a sample only if the GAN's critic scores it at "
        "least as high as the `filter_quantile` of the class's real images; `none`: keep every "
        "sample"
    )  # fmt: skip
    filter_quantile: float = Field(
        0.1, ge=0, lt=1, description="Keep samples the critic scores above this quantile of real"
    )
    max_draws: float = Field(
        10, ge=1, description="Draw at most this × the count wanted per class, then say by how "
        "much the set is short"
    )  # fmt: skip
    batch_size: PositiveInt = Field(256, description="Images generated per batch")
