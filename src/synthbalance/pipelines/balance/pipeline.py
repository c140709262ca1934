from kedro.pipeline import Pipeline

from synthbalance.pipelines import gan, imbalance, ingest, sample, strategies


def create_pipeline(**kwargs) -> Pipeline:
    """Everything, in order: ingest -> imbalance -> gan -> sample -> strategies (next: evaluate)."""
    return (
        ingest.create_pipeline()
        + imbalance.create_pipeline()
        + gan.create_pipeline()
        + sample.create_pipeline()
        + strategies.create_pipeline()
    )
