"""``imbalance``: how to make the training data imbalanced, and how much of it validates."""
# ruff: noqa: RUF001 -- Markdown prose: its multiplication and minus signs are meant

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from synthbalance.config.profiles import OneVsRest, Profile


class ImbalanceParams(BaseModel):
    """How to make the training data imbalanced, and how much of it validates."""

    model_config = ConfigDict(extra="forbid")

    profile: Profile = Field(
        default_factory=OneVsRest,
        description="How the training data is made imbalanced: one of "
        "the profiles in the tables below, chosen by `kind`",
    )
    validation_fraction: float = Field(
        0.1,
        gt=0,
        lt=1,
        description="Share of each class's kept images carved out as the real "
        "validation set, `ceil(fraction × n)`, so even the rarest class is in it",
    )
