from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.sample.nodes import sample_synthetic


def create_pipeline(seed: str = "params:seed", **kwargs) -> Pipeline:
    """Sampling from ``seed``'s stream (a parameter, or a replicate's seed dataset)."""
    return Pipeline(
        [
            node(
                sample_synthetic,
                inputs=["generator", "train_imbalanced", "params:sample", seed],
                outputs=["synthetic", "synthetic_grid", "sample_metrics"],
                name="sample_synthetic",
            )
        ],
        namespace="sample",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )
