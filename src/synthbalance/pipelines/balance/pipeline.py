from kedro.pipeline import Pipeline

from synthbalance.build_parameters import build_parameter
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
        + (
            quality.create_pipeline()
            if build_parameter("quality", "in_balance", True)
            else Pipeline([])
        )
        + report.create_pipeline()
    )
