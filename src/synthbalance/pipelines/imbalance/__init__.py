"""imbalance: make chosen classes rare and carve the validation set."""

from synthbalance.pipelines.imbalance.pipeline import create_pipeline, drawn, labelled

__all__ = ["create_pipeline", "drawn", "labelled"]
