from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node

from synthbalance.build_parameters import build_parameter
from synthbalance.pipelines.strategies.nodes import BUILDERS, build_train_set


def configured_strategies() -> list[str]:
    """``strategies.run``: it decides which namespaces exist, so it is a build parameter."""
    names = build_parameter("strategies", "run", list(BUILDERS))
    unknown = [name for name in names if name not in BUILDERS]
    if unknown or not names:
        raise ValueError(
            f"strategies.run lists {unknown or 'nothing'}; choose from {sorted(BUILDERS)}"
        )
    return list(names)


# Inputs every strategy shares, in build_train_set's order; outside the namespaces.
SHARED = ["train_imbalanced", "synthetic", "train_full", "validation"]


def strategy_pipeline(strategy: str) -> Pipeline:
    """The template, instantiated for one strategy under the namespace strategy.<name>."""
    build = update_wrapper(partial(build_train_set, strategy=strategy), build_train_set)
    template = Pipeline(
        [
            node(
                build,
                inputs=[*SHARED, "params:strategies", "params:seed"],
                outputs="train_set",
                name="build_train_set",
            )
        ]
    )
    return Pipeline(
        template,
        namespace=f"strategy.{strategy}",
        inputs=set(SHARED),
        parameters={"params:strategies", "params:seed"},
    )


def create_pipeline(**kwargs) -> Pipeline:
    return sum((strategy_pipeline(name) for name in configured_strategies()), Pipeline([]))
