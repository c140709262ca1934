from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.quality.nodes import (
    fit_feature_extractor,
    score_progress,
    score_synthetic,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                fit_feature_extractor,
                inputs=["raw_train", "params:quality", "params:seed"],
                outputs="feature_extractor",
                name="fit_feature_extractor",
            ),
            node(
                score_synthetic,
                inputs=[
                    "feature_extractor",
                    "synthetic",
                    "train_full",
                    "train_imbalanced",
                    "params:quality",
                    "params:seed",
                ],
                outputs=["quality_table", "quality_metrics", "memorisation_grid"],
                name="score_synthetic",
            ),
            node(
                score_progress,
                inputs=[
                    "feature_extractor",
                    "gan_samples",
                    "train_full",
                    "train_imbalanced",
                    "params:quality",
                    "params:seed",
                ],
                outputs=["quality_progress", "quality_progress_metrics"],
                name="score_gan_progress",
            ),
        ],
        namespace="quality",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )
