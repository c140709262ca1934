"""``sample``: how many synthetic images of each class, and which of them to keep."""
# ruff: noqa: RUF001 -- Markdown prose: its multiplication and minus signs are meant

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

MODEL_URIS = ("models:/", "runs:/")


class SampleParams(BaseModel):
    """How many synthetic images of each class, and which of them to keep."""

    model_config = ConfigDict(extra="forbid")

    target_ratio: float = Field(
        1.0, gt=0, description="Top each generated class up to this × the largest class's count"
    )
    per_class: PositiveInt | None = Field(
        None,
        description="Instead of `target_ratio`: exactly this many synthetic images of each "
        "generated class",
    )
    filter: Literal["none", "discriminator"] = Field(
        "none",
        description="`discriminator`: keep a sample only if the GAN's critic scores it at "
        "least as high as the `filter_quantile` of the class's real images; `none`: keep every "
        "sample",
    )
    filter_quantile: float = Field(
        0.1, ge=0, lt=1, description="Keep samples the critic scores above this quantile of real"
    )
    max_draws: float = Field(
        10,
        ge=1,
        description="Draw at most this × the count wanted per class, then say by how "
        "much the set is short",
    )
    batch_size: PositiveInt = Field(256, description="Images generated per batch")
    generator: str | None = Field(
        None,
        json_schema_extra={"checks": "models:/… or runs:/…"},
        description="Sample from this registered generator instead of training a GAN "
        "in each replicate: an MLflow model URI such as `models:/synthbalance-generator@current` "
        "(the generator of the last finished run) or `models:/synthbalance-generator/3`. Its "
        "run must have had the same `ingest`, `imbalance` and `seed`, or the run stops: another "
        "split could put its training images in this test set. Every replicate then samples the "
        "one generator, so the replicates no longer draw the GAN again. Shapes the DAG.",
    )

    @field_validator("generator")
    @classmethod
    def _model_uri(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(MODEL_URIS):
            raise ValueError(
                f"sample.generator must be an MLflow model URI ({' or '.join(MODEL_URIS)}..., "
                f"e.g. models:/synthbalance-generator@current) or null, got {value!r}"
            )
        return value
