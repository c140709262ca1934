"""Every pipeline is a package under pipelines/, found by name, so that
``kedro run --pipelines <name>`` imports only the packages it needs (Kedro 1.5+)."""

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline


def register_pipelines() -> dict[str, Pipeline]:
    pipelines = find_pipelines(raise_errors=True)
    if "balance" in pipelines:
        pipelines["__default__"] = pipelines["balance"]
    return pipelines
