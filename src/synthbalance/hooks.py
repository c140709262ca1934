"""Project hooks: kedro-mlflow's, taught typed parameters; and the strategies' child runs."""

from __future__ import annotations

import time
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl
from kedro_mlflow.framework.hooks.mlflow_hook import MlflowHook
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient
from pydantic import BaseModel


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


class TypedParamsMlflowHook(MlflowHook):
    """Kedro validates ``params:`` inputs into pydantic models before nodes run; the
    plugin's hook flattens only dicts, so it would log each model as one long string.
    This hook hands it the models as dicts: ``imbalance.profile.keep_fraction`` becomes
    its own MLflow parameter, comparable across runs in the UI."""

    @hook_impl
    def before_node_run(self, node, catalog, inputs: dict[str, Any], is_async: bool) -> None:
        plain = {name: _plain(value) for name, value in inputs.items()}
        super().before_node_run(node=node, catalog=catalog, inputs=plain, is_async=is_async)


class StrategyRunsHook:
    """One nested MLflow run per strategy and seed, under the run of `kedro run`.

    The only MLflow code outside the catalog: after a strategy's ``report_strategy`` node,
    it logs the report's metrics (the same keys for every strategy), the validation curves
    as metric histories, and the strategy, seed and training counts by origin as params
    and tags, so that the MLflow UI's run table and Compare view set strategies side by side.
    """

    @hook_impl
    def after_node_run(self, node, outputs: dict[str, Any]) -> None:
        if not node.name.endswith(".report_strategy") or mlflow.active_run() is None:
            return
        (report,) = outputs.values()
        params = {"strategy": report["strategy"], "train_images": report["train_images"]}
        params |= {f"train_{origin}": n for origin, n in report["train_by_origin"].items()}
        now = int(time.time() * 1000)
        for run in report["runs"]:
            name = f"{report['strategy']} (seed {run['seed']})"
            with mlflow.start_run(run_name=name, nested=True) as child:
                mlflow.set_tags({"strategy": report["strategy"], "seed": run["seed"]})
                mlflow.log_params({**params, "seed": run["seed"]})
                curves = [
                    Metric(key, float(value), now, int(row["step"]))
                    for row in run["history"]
                    for key, value in row.items()
                    if key != "step"
                ]
                scores = [Metric(key, value, now, 0) for key, value in run["metrics"].items()]
                everything = curves + scores
                for start in range(0, len(everything), 1000):  # MLflow's limit per batch
                    MlflowClient().log_batch(child.info.run_id, everything[start : start + 1000])
