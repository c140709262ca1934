"""gan: train a GAN on the images that survived the imbalance step."""

from synthbalance.pipelines.gan.pipeline import create_pipeline

__all__ = ["create_pipeline"]
