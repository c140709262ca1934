from kedro.pipeline import Pipeline, node

from synthbalance.framework.context import (
    drawn,
    quality_in_balance,
    registered_generator,
    replicate,
    strategies_to_run,
)
from synthbalance.pipelines.report.nodes import REPORT, build_report

QUALITY = ("quality_table", "quality_progress", "memorisation_grid")


def create_pipeline(**kwargs) -> Pipeline:
    first = replicate(0)
    inputs = {
        "comparison": "comparison",
        "imbalance_summary": drawn("imbalance_summary"),
        "synthetic_grid": f"{first}.synthetic_grid",
        "test_set": "test_set",
        "train_set": drawn("train_imbalanced"),
        "validation_set": drawn("validation"),
        "synthetic": f"{first}.synthetic",
        "verdict_params": "params:verdict",
        "parameters": "parameters",
    }
    if quality_in_balance():
        trained = registered_generator() is None  # else no GAN progress to show
        inputs |= {name: name for name in QUALITY if trained or name != "quality_progress"}
        inputs["extractor_scores"] = "extractor_scores"
    if "deepsmote" in strategies_to_run():
        inputs["deepsmote_grid"] = f"{first}.deepsmote_grid"
    # the strategies' results, which compare_strategies reads too: one edge per strategy
    inputs |= {f"{REPORT}{s}": f"strategy.{s}.report" for s in strategies_to_run()}
    return Pipeline(
        [
            node(
                build_report,
                inputs=inputs,
                outputs=["report", "verdict", "verdict_metrics", "verdict_chart"],
                name="build_report",
            )
        ],
        namespace="report",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )
