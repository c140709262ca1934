import os
from functools import partial, update_wrapper
from pathlib import Path

import yaml
from kedro.framework.project import settings
from kedro.pipeline import Pipeline, node

from synthbalance.pipelines.strategies.nodes import BUILDERS, build_train_set


def configured_strategies() -> list[str]:
    """``strategies.run`` from the parameter files. It shapes the pipeline, so it is read when
    the pipeline is built, from conf/base and then conf/local (or the environment named in
    KEDRO_ENV): ``--params`` cannot change it. Read as plain YAML, so that building the
    pipeline does not disturb the configuration loader of the run."""
    names = list(BUILDERS)
    conf = Path(settings.CONF_SOURCE)
    for env in ("base", os.environ.get("KEDRO_ENV", "local")):
        for path in sorted((conf / env).glob("parameters*.yml")):
            strategies = (yaml.safe_load(path.read_text()) or {}).get("strategies") or {}
            names = strategies.get("run", names)
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
