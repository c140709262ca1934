from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node

from synthbalance.framework.context import strategies_to_run
from synthbalance.pipelines.strategies.nodes import build_train_set
from synthbalance.strategies import REGISTRY


def strategy_pipeline(strategy: str, seed: str = "params:seed") -> Pipeline:
    """The template, instantiated for one strategy under the namespace strategy.<name>: its
    node reads the datasets its registry record needs, outside the namespace, and no other;
    its draws come from ``seed`` (a parameter, or a replicate's seed dataset in `balance`)."""
    needs = REGISTRY[strategy].needs
    build = update_wrapper(partial(build_train_set, strategy=strategy), build_train_set)
    template = Pipeline(
        [
            node(
                build,
                inputs={
                    "params": "params:strategies",
                    "seed": seed,
                    **{name: name for name in needs},
                },
                outputs="train_set",
                name="build_train_set",
            )
        ]
    )
    parameter = seed.startswith("params:")
    return Pipeline(
        template,
        namespace=f"strategy.{strategy}",
        inputs=set(needs) | (set() if parameter else {seed}),
        parameters={"params:strategies"} | ({seed} if parameter else set()),
    )


def create_pipeline(seed: str = "params:seed", **kwargs) -> Pipeline:
    return sum((strategy_pipeline(name, seed) for name in strategies_to_run()), Pipeline([]))
