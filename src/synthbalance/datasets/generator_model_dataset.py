"""``GeneratorModelDataset``: the generator logged into the active MLflow run as a pyfunc
model that serves images (synthbalance.tracking.serving)."""

from __future__ import annotations

from typing import Any

import mlflow
from kedro.io import AbstractDataset
from kedro.io.core import DatasetError

from synthbalance.models.gan import ImageGenerator


class GeneratorModelDataset(AbstractDataset[ImageGenerator, Any]):
    """Saves an ``ImageGenerator`` as the pyfunc model ``name`` of the active run (from code,
    with a signature and an input example); loads that model back as a pyfunc.

    Example catalog entry::

        "{replicate}.generator_model":
          type: synthbalance.datasets.GeneratorModelDataset
          name: generator_{replicate}
    """

    def __init__(self, *, name: str, metadata: dict[str, Any] | None = None) -> None:
        self._name = name
        self.metadata = metadata

    def save(self, data: ImageGenerator) -> None:
        from synthbalance.tracking.serving import log_generator

        if not isinstance(data, ImageGenerator):
            raise DatasetError(f"saves an ImageGenerator, not {type(data).__name__}")
        if mlflow.active_run() is None:
            raise DatasetError(f"{self._name}: no active MLflow run to log the generator into")
        log_generator(data, self._name)

    def load(self) -> Any:
        from synthbalance.tracking.serving import logged_model

        run = mlflow.active_run()
        model_id = run and logged_model(run.info.run_id, self._name)
        if not model_id:
            raise DatasetError(f"the active MLflow run has no model {self._name!r}")
        return mlflow.pyfunc.load_model(f"models:/{model_id}")

    def _describe(self) -> dict[str, Any]:
        return {"name": self._name}
