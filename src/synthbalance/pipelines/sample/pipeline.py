from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.sample.nodes import sample_synthetic


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                sample_synthetic,
                inputs=["generator", "train_imbalanced", "params:sample", "params:seed"],
                outputs=["synthetic", "synthetic_grid", "sample_metrics"],
                name="sample_synthetic",
            )
        ],
        namespace="sample",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )
