from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node

from synthbalance.config import StrategiesParams
from synthbalance.core.results import RESULT_TAG
from synthbalance.framework.context import (
    redraw_imbalance,
    replicate,
    replicates,
    strategies_to_run,
)
from synthbalance.pipelines.evaluate.compare import compare_strategies
from synthbalance.pipelines.evaluate.nodes import (
    move_thresholds,
    report_strategy,
    score_classifier,
    train_strategy,
)
from synthbalance.strategies import REGISTRY


def _bind(func, **kwargs):
    return update_wrapper(partial(func, **kwargs), func)


def _validations(count: int, redraw: bool) -> dict[str, str]:
    """The validation set of each replicate: its own, or the one they share."""
    if not redraw:
        return {"validation": "validation"}
    return {f"validation_{r}": f"{replicate(r)}.validation" for r in range(count)}


def _network(strategy: str, train_sets: dict, validations: dict) -> tuple[node, set[str]]:
    """The node that gives the strategy its ``classifier`` and ``training_history``: trained
    with its loss, or (``adjusts``) another strategy's networks adjusted at prediction; and
    the datasets it reads from outside the namespace."""
    record = REGISTRY[strategy]
    if record.adjusts is not None:
        source = f"strategy.{record.adjusts}"
        inputs = {
            "classifier": f"{source}.classifier",
            "training_history": f"{source}.training_history",
            "strategies": "params:strategies",
            "params": "params:classifier",
            **train_sets,
            **validations,
        }
        made = node(
            move_thresholds,
            inputs=inputs,
            outputs=["classifier", "training_history", "thresholds"],
            name="move_thresholds",
        )
        return made, {f"{source}.classifier", f"{source}.training_history"}
    has_settings = record.loss in StrategiesParams.model_fields  # logit_adjust, ldam_drw
    settings = {"strategies": "params:strategies"} if has_settings else {}
    made = node(
        _bind(train_strategy, loss=record.loss),
        inputs={
            "params": "params:classifier",
            "seed": "params:seed",
            **settings,
            **train_sets,
            **validations,
        },
        outputs=["classifier", "training_history"],
        name="train_classifier",
    )
    return made, set()


def strategy_evaluation(strategy: str, count: int = 1, redraw: bool = False) -> Pipeline:
    """Train (or adjust), score and report one strategy's network of each of ``count``
    replicates (each on ``replicate_<r>.strategy.<name>.train_set``), under the namespace
    strategy.<name>."""
    train_sets = {
        f"train_set_{r}": f"{replicate(r)}.strategy.{strategy}.train_set" for r in range(count)
    }
    validations = _validations(count, redraw)
    first = train_sets["train_set_0"]
    network, borrowed = _network(strategy, train_sets, validations)
    template = Pipeline(
        [
            network,
            node(
                score_classifier,
                inputs={
                    "classifier": "classifier",
                    "test_set": "test_set",
                    "synthetic": f"{replicate(0)}.synthetic",
                    **validations,
                },
                outputs=["test_scores", "confusion_matrix", "test_predictions"],
                name="score_classifier",
            ),
            node(
                _bind(report_strategy, strategy=strategy),
                inputs={
                    "train_set": first,
                    "training_history": "training_history",
                    "test_scores": "test_scores",
                    "test_predictions": "test_predictions",
                    "seed": "params:seed",
                },
                outputs="report",
                name="report_strategy",
                tags=[RESULT_TAG],
            ),
        ]
    )
    return Pipeline(
        template,
        namespace=f"strategy.{strategy}",
        inputs={
            "test_set",
            f"{replicate(0)}.synthetic",
            *train_sets.values(),
            *validations.values(),
            *borrowed,
        },
        parameters={name for name in template.inputs() if name.startswith("params:")},
    )


def create_pipeline(**kwargs) -> Pipeline:
    names, count, redraw = strategies_to_run(), replicates(), redraw_imbalance()
    per_strategy = sum((strategy_evaluation(name, count, redraw) for name in names), Pipeline([]))
    compare = Pipeline(
        [
            node(
                _bind(compare_strategies, strategies=names),
                inputs=[f"strategy.{name}.report" for name in names],
                outputs=[
                    "comparison",
                    "comparison_markdown",
                    "comparison_chart",
                    "comparison_metrics",
                ],
                name="compare_strategies",
            )
        ],
        namespace="evaluate",  # one group in kedro-viz; dataset names unchanged
        prefix_datasets_with_namespace=False,
    )
    return per_strategy + compare
