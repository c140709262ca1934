from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.ingest.nodes import load_dataset


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                load_dataset,
                inputs=["params:ingest", "params:seed"],
                outputs=["raw_train", "raw_test"],
                name="load_dataset",
            )
        ],
        namespace="ingest",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )
