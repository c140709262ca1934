"""strategies: the training set of every rebalancing strategy, one namespace each."""

from synthbalance.pipelines.strategies.pipeline import create_pipeline

__all__ = ["create_pipeline"]
