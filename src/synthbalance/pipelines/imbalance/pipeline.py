from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.imbalance.nodes import (
    label_for_task,
    make_imbalanced,
    plot_imbalance,
    split_validation,
    summarise_imbalance,
)


def labelled() -> Pipeline:
    """The train and test splits labelled for the task: drawn once, whatever the replicates."""
    return Pipeline(
        [
            node(
                label_for_task,
                ["raw_train", "params:imbalance"],
                "train_full",
                name="label_train_for_task",
            ),
            node(
                label_for_task,
                ["raw_test", "params:imbalance"],
                "test_set",
                name="label_test_for_task",
            ),
        ],
        namespace="imbalance",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )


def drawn(seed: str = "params:seed") -> Pipeline:
    """Which images the imbalance keeps and the validation split, drawn from ``seed`` (a
    parameter, or a replicate's seed dataset when `redraw_imbalance` is on), and their counts."""
    return Pipeline(
        [
            node(
                make_imbalanced,
                ["train_full", "params:imbalance", seed],
                "imbalanced",
                name="make_imbalanced",
            ),
            node(
                split_validation,
                ["imbalanced", "params:imbalance", seed],
                ["train_imbalanced", "validation"],
                name="split_validation",
            ),
            node(
                summarise_imbalance,
                ["train_full", "train_imbalanced", "validation"],
                "imbalance_summary",
                name="summarise_imbalance",
            ),
            node(plot_imbalance, "imbalance_summary", "imbalance_chart", name="plot_imbalance"),
        ],
        namespace="imbalance",
        prefix_datasets_with_namespace=False,
    )


def create_pipeline(seed: str = "params:seed", **kwargs) -> Pipeline:
    return labelled() + drawn(seed)
