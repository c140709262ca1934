from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.evaluate.compare import compare_strategies
from synthbalance.pipelines.evaluate.nodes import report_strategy, score_classifier
from synthbalance.results import RESULT_TAG
from synthbalance.shape import strategies_to_run
from synthbalance.strategies import REGISTRY
from synthbalance.training.classifier import train_classifier

SHARED = {"validation", "test_set", "synthetic"}


def _bind(func, **kwargs):
    return update_wrapper(partial(func, **kwargs), func)


def strategy_evaluation(strategy: str) -> Pipeline:
    """Train, score and report one strategy, under the namespace strategy.<name>."""
    weighted = REGISTRY[strategy].weighted_loss
    template = Pipeline(
        [
            node(
                _bind(train_classifier, class_weighted=weighted),
                inputs=["train_set", "validation", "params:classifier", "params:seed"],
                outputs=["classifier", "training_history"],
                name="train_classifier",
            ),
            node(
                score_classifier,
                inputs=["classifier", "test_set", "synthetic"],
                outputs=["test_scores", "confusion_matrix", "test_predictions"],
                name="score_classifier",
            ),
            node(
                _bind(report_strategy, strategy=strategy),
                inputs=["train_set", "training_history", "test_scores", "test_predictions"],
                outputs="report",
                name="report_strategy",
                tags=[RESULT_TAG],
            ),
        ]
    )
    return Pipeline(
        template,
        namespace=f"strategy.{strategy}",
        inputs=SHARED,
        parameters={"params:classifier", "params:seed"},
    )


def create_pipeline(**kwargs) -> Pipeline:
    names = strategies_to_run()
    per_strategy = sum((strategy_evaluation(name) for name in names), Pipeline([]))
    compare = Pipeline(
        [
            node(
                _bind(compare_strategies, strategies=names),
                inputs=[f"strategy.{name}.report" for name in names],
                outputs=["comparison", "comparison_markdown", "comparison_chart"],
                name="compare_strategies",
            )
        ],
        namespace="evaluate",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )
    return per_strategy + compare
