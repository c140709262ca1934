"""quality: generative quality of the synthetic images, measured offline."""

from synthbalance.pipelines.quality.pipeline import create_pipeline

__all__ = ["create_pipeline"]
