from kedro.pipeline import Pipeline, node

from synthbalance.framework.context import (
    drawn,
    redraw_imbalance,
    registered_generator,
    replicate,
    replicates,
    strategies_to_run,
)
from synthbalance.pipelines.quality.extractor import fit_feature_extractor, score_extractor
from synthbalance.pipelines.quality.nodes import score_progress, score_synthetic


def create_pipeline(**kwargs) -> Pipeline:
    """The synthetic images of every replicate (and DeepSMOTE's, when it runs; and replicate
    0's GAN's progress, when the GAN trains in this run rather than ``sample.generator``)
    against real images the GAN never saw, in the feature space of an extractor trained once. When
    each replicate draws its own imbalance, replicate 0's alone: the images another
    replicate's GAN never saw are another set."""
    first, seen = replicate(0), drawn("train_imbalanced")
    scored = 1 if redraw_imbalance() else replicates()
    kinds = ["synthetic"] + (["deepsmote"] if "deepsmote" in strategies_to_run() else [])
    nodes = [
        node(
            fit_feature_extractor,
            inputs=["raw_train", "params:quality", "params:seed"],
            outputs="feature_extractor",
            name="fit_feature_extractor",
        ),
        node(
            score_extractor,
            inputs=["feature_extractor", "raw_test"],
            outputs=["extractor_scores", "extractor_metrics"],
            name="score_extractor",
        ),
        node(
            score_synthetic,
            inputs={
                "feature_extractor": "feature_extractor",
                "train_full": "train_full",
                "train_imbalanced": seen,
                "params": "params:quality",
                "seed": "params:seed",
                **{
                    f"{kind}_{r}": f"{replicate(r)}.{kind}" for r in range(scored) for kind in kinds
                },
            },
            outputs=["quality_table", "quality_metrics", "memorisation_grid"],
            name="score_synthetic",
        ),
    ]
    if registered_generator() is None:  # a registered generator has no progress this run
        nodes.append(_progress_node(first, seen))
    return Pipeline(
        nodes,
        namespace="quality",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )


def _progress_node(first: str, seen: str):
    """Replicate 0's GAN's samples at its grid steps, scored as the synthetic sets are."""
    return node(
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
    )
