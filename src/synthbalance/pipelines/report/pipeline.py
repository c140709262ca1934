from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.report.nodes import REPORT, build_report
from synthbalance.shape import quality_in_balance, strategies_to_run

QUALITY = ("quality_table", "quality_progress", "memorisation_grid")


def create_pipeline(**kwargs) -> Pipeline:
    inputs = {
        name: name
        for name in ("comparison", "imbalance_summary", "synthetic_grid", "test_set", "synthetic")
    }
    inputs["parameters"] = "parameters"
    if quality_in_balance():
        inputs |= {name: name for name in QUALITY}
    # the strategies' results, which compare_strategies reads too: one edge per strategy
    inputs |= {f"{REPORT}{s}": f"strategy.{s}.report" for s in strategies_to_run()}
    return Pipeline(
        [
            node(
                build_report,
                inputs=inputs,
                outputs=["report", "verdict", "verdict_metrics"],
                name="build_report",
            )
        ],
        namespace="report",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )
