"""evaluate: train the same classifier on every strategy's set and score it on real data."""

from synthbalance.pipelines.evaluate.pipeline import create_pipeline

__all__ = ["create_pipeline"]
