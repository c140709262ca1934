from kedro.pipeline import Pipeline, node

from synthbalance.build_parameters import build_parameter
from synthbalance.pipelines.report.nodes import REPORT, build_report
from synthbalance.pipelines.strategies.pipeline import configured_strategies

QUALITY = ("quality_table", "quality_progress", "memorisation_grid")


def create_pipeline(**kwargs) -> Pipeline:
    inputs = {
        name: name
        for name in ("comparison", "imbalance_summary", "synthetic_grid", "test_set", "synthetic")
    }
    inputs["parameters"] = "parameters"
    if build_parameter("quality", "in_balance", True):
        inputs |= {name: name for name in QUALITY}
    # the strategies' reports, which compare_strategies reads too: one edge per strategy
    inputs |= {f"{REPORT}{s}": f"strategy.{s}.report" for s in configured_strategies()}
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
