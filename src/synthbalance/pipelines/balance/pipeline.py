from kedro.pipeline import Pipeline

from synthbalance.pipelines import (
    evaluate,
    gan,
    imbalance,
    ingest,
    quality,
    report,
    sample,
    strategies,
)
from synthbalance.shape import quality_in_balance


def create_pipeline(**kwargs) -> Pipeline:
    """Everything: ingest -> imbalance -> gan -> sample -> strategies -> evaluate, and quality;
    report last."""
    return (
        ingest.create_pipeline()
        + imbalance.create_pipeline()
        + gan.create_pipeline()
        + sample.create_pipeline()
        + strategies.create_pipeline()
        + evaluate.create_pipeline()
        + (quality.create_pipeline() if quality_in_balance() else Pipeline([]))
        + report.create_pipeline()
    )
