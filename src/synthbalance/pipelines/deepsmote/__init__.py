"""deepsmote: DeepSMOTE's autoencoder, trained on the imbalanced set only, and its samples."""

from synthbalance.pipelines.deepsmote.pipeline import create_pipeline

__all__ = ["create_pipeline"]
