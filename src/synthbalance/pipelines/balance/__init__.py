"""balance: the composition of every pipeline; the product's main command."""

from synthbalance.pipelines.balance.pipeline import create_pipeline

__all__ = ["create_pipeline"]
