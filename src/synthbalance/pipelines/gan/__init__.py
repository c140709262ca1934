"""gan: train a GAN on the images that survived the imbalance step (or, with
``sample.generator``, load a registered one instead)."""

from synthbalance.pipelines.gan.pipeline import create_pipeline, from_registry

__all__ = ["create_pipeline", "from_registry"]
