from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.strategies.nodes import build_train_set
from synthbalance.shape import strategies_to_run
from synthbalance.strategies import REGISTRY


def strategy_pipeline(strategy: str) -> Pipeline:
    """The template, instantiated for one strategy under the namespace strategy.<name>: its
    node reads the datasets its registry record needs, outside the namespace, and no other."""
    needs = REGISTRY[strategy].needs
    build = update_wrapper(partial(build_train_set, strategy=strategy), build_train_set)
    template = Pipeline(
        [
            node(
                build,
                inputs={
                    "params": "params:strategies",
                    "seed": "params:seed",
                    **{name: name for name in needs},
                },
                outputs="train_set",
                name="build_train_set",
            )
        ]
    )
    return Pipeline(
        template,
        namespace=f"strategy.{strategy}",
        inputs=set(needs),
        parameters={"params:strategies", "params:seed"},
    )


def create_pipeline(**kwargs) -> Pipeline:
    return sum((strategy_pipeline(name) for name in strategies_to_run()), Pipeline([]))
