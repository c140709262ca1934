"""``MlflowImageStepsDataset``: images by training step, logged with ``mlflow.log_image(key,
step)`` so that the MLflow UI's image slider steps through them."""

from __future__ import annotations

import re
from typing import Any

import mlflow
from kedro.io import AbstractDataset
from kedro.io.core import DatasetError
from PIL import Image


class MlflowImageStepsDataset(AbstractDataset[dict, dict]):
    """Saves ``{"step_000200": image, ...}`` (a name ending in its step) into the active
    run, each image at its step under ``key``. Write-only: the images themselves are kept
    in data/ by the dataset they came from.

    Example catalog entry::

        "{replicate}.gan_progress_steps":
          type: synthbalance.datasets.MlflowImageStepsDataset
          key: gan_progress.{replicate}
    """

    def __init__(self, *, key: str, metadata: dict[str, Any] | None = None) -> None:
        self._key = key
        self.metadata = metadata

    def save(self, data: dict[str, Image.Image]) -> None:
        if mlflow.active_run() is None:
            raise DatasetError(f"{self._key}: no active MLflow run to log the images into")
        for name, image in data.items():
            step = re.search(r"(\d+)$", name)
            if step is None:
                raise DatasetError(f"{self._key}: {name!r} does not end in its step")
            mlflow.log_image(image, key=self._key, step=int(step[1]), synchronous=True)

    def load(self) -> dict:
        raise DatasetError(f"{self._key} is write-only: the images are in MLflow's run")

    def _describe(self) -> dict[str, Any]:
        return {"key": self._key}
