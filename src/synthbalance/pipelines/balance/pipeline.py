from kedro.pipeline import Pipeline

from synthbalance.pipelines import imbalance, ingest


def create_pipeline(**kwargs) -> Pipeline:
    """Everything, in order: ingest -> imbalance (later: gan, sample, strategies, evaluate)."""
    return ingest.create_pipeline() + imbalance.create_pipeline()
