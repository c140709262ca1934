from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.imbalance.nodes import (
    label_for_task,
    make_imbalanced,
    plot_imbalance,
    split_validation,
    summarise_imbalance,
)


def create_pipeline(**kwargs) -> Pipeline:
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
            node(
                make_imbalanced,
                ["train_full", "params:imbalance", "params:seed"],
                "imbalanced",
                name="make_imbalanced",
            ),
            node(
                split_validation,
                ["imbalanced", "params:imbalance", "params:seed"],
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
        namespace="imbalance",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )
