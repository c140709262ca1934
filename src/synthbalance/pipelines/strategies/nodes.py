"""strategies: the training set of every rebalancing strategy, each from what it needs."""

from __future__ import annotations

from synthbalance.config import StrategiesParams
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import make_rng
from synthbalance.strategies import REGISTRY, known


def build_train_set(
    params: StrategiesParams, seed: int, strategy: str, **datasets: ImageSet
) -> ImageSet:
    """The training set of ``strategy`` from the datasets its registry record needs (and its
    own stream, ``strategy.<name>`` of the seed)."""
    (name,) = known([strategy], "strategy")
    rng = make_rng(seed, f"strategy.{name}")
    return REGISTRY[name].build_train_set(datasets, params.augment, rng)
