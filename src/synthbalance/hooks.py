"""kedro-mlflow's hook, taught to log typed (pydantic) parameters field by field."""

from __future__ import annotations

from typing import Any

from kedro.framework.hooks import hook_impl
from kedro_mlflow.framework.hooks.mlflow_hook import MlflowHook
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
