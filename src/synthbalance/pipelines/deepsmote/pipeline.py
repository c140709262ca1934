from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.deepsmote.nodes import sample_deepsmote, train_autoencoder


def create_pipeline(seed: str = "params:seed", **kwargs) -> Pipeline:
    """DeepSMOTE of ``seed`` (a parameter, or a replicate's seed dataset in `balance`)."""
    return Pipeline(
        [
            node(
                train_autoencoder,
                inputs=["train_imbalanced", "params:strategies", seed],
                outputs=["autoencoder", "autoencoder_history"],
                name="train_autoencoder",
            ),
            node(
                sample_deepsmote,
                inputs=["autoencoder", "train_imbalanced", "synthetic", "params:strategies", seed],
                outputs=["deepsmote", "deepsmote_grid"],
                name="sample_deepsmote",
            ),
        ],
        namespace="deepsmote",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )
