"""sample: synthetic images of the rare classes, from the trained generator."""

from synthbalance.pipelines.sample.pipeline import create_pipeline

__all__ = ["create_pipeline"]
