"""ingest: read a dataset into raw_train and raw_test."""

from synthbalance.pipelines.ingest.pipeline import create_pipeline

__all__ = ["create_pipeline"]
