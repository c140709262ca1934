from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.gan.nodes import (
    animate_progress,
    export_generator,
    history_to_metrics,
    progress_steps,
    train_gan,
)
from synthbalance.pipelines.gan.registered import load_registered_generator


def create_pipeline(seed: str = "params:seed", **kwargs) -> Pipeline:
    """The GAN of ``seed`` (a parameter, or a replicate's seed dataset in `balance`)."""
    return Pipeline(
        [
            node(
                train_gan,
                inputs=["train_imbalanced", "params:gan", seed, "validation"],
                outputs=["generator", "gan_history", "gan_progress", "gan_samples", "gan_stopping"],
                name="train_gan",
            ),
            node(history_to_metrics, "gan_history", "gan_metrics", name="track_gan_history"),
            node(animate_progress, "gan_progress", "gan_animation", name="animate_gan_progress"),
            node(progress_steps, "gan_progress", "gan_progress_steps", name="log_gan_progress"),
            node(export_generator, "generator", "generator_model", name="export_generator"),
        ],
        namespace="gan",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )


def from_registry(**kwargs) -> Pipeline:
    """Instead of training: the generator of ``sample.generator``, from MLflow's registry."""
    return Pipeline(
        [
            node(
                load_registered_generator,
                inputs=[
                    "params:sample.generator",
                    "params:ingest",
                    "params:imbalance",
                    "params:seed",
                ],
                outputs="generator",
                name="load_registered_generator",
            )
        ],
        namespace="gan",
        prefix_datasets_with_namespace=False,
    )
