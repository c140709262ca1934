from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.quality.nodes import (
    fit_feature_extractor,
    score_progress,
    score_synthetic,
)
from synthbalance.shape import drawn, redraw_imbalance, replicate, replicates


def create_pipeline(**kwargs) -> Pipeline:
    """The synthetic images of every replicate (and replicate 0's GAN's progress) against
    real images the GAN never saw, in the feature space of an extractor trained once. When
    each replicate draws its own imbalance, replicate 0's alone: the images another
    replicate's GAN never saw are another set."""
    first, seen = replicate(0), drawn("train_imbalanced")
    scored = 1 if redraw_imbalance() else replicates()
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
                inputs={
                    "feature_extractor": "feature_extractor",
                    "train_full": "train_full",
                    "train_imbalanced": seen,
                    "params": "params:quality",
                    "seed": "params:seed",
                    **{f"synthetic_{r}": f"{replicate(r)}.synthetic" for r in range(scored)},
                },
                outputs=["quality_table", "quality_metrics", "memorisation_grid"],
                name="score_synthetic",
            ),
            node(
                score_progress,
                inputs=[
                    "feature_extractor",
                    f"{first}.gan_samples",
                    "train_full",
                    seen,
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
