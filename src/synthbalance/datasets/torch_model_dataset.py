"""``TorchModelDataset``: an nn.Module as its constructor's arguments and its weights."""

from __future__ import annotations

import importlib
from typing import IO, Any

import torch
from kedro.io.core import DatasetError, Version
from torch import nn

from synthbalance.datasets._file import FileDataset


class TorchModelDataset(FileDataset[nn.Module]):
    """Saves ``{"config": module.config, "state_dict": ...}``; loads by building
    ``model(**config)`` and loading the weights with ``torch.load(weights_only=True)``,
    so a model file can carry no code. The class comes from the catalog, not the file.

    Example catalog entry::

        generator:
          type: synthbalance.datasets.TorchModelDataset
          model: synthbalance.models.gan.ImageGenerator
          filepath: data/06_models/generator.pt
          versioned: true
    """

    def __init__(
        self, *, filepath: str, model: str, version: Version | None = None, **kwargs: Any
    ) -> None:
        module, _, name = model.rpartition(".")
        self._model = getattr(importlib.import_module(module), name)
        super().__init__(filepath=filepath, version=version, **kwargs)

    def _read(self, file: IO[bytes], path: str) -> nn.Module:
        try:
            saved = torch.load(file, map_location="cpu", weights_only=True)
            model = self._model(**saved["config"])
            model.load_state_dict(saved["state_dict"])
        except Exception as error:
            raise DatasetError(
                f"'{path}' is not a {self._model.__name__} file that fits its own config: {error}"
            ) from error
        return model.eval()

    def _write(self, data: nn.Module, file: IO[bytes]) -> None:
        if not isinstance(data, self._model):
            raise DatasetError(f"saves a {self._model.__name__}, not {type(data).__name__}")
        torch.save({"config": data.config, "state_dict": data.state_dict()}, file)
