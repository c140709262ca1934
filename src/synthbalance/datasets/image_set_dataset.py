"""``ImageSetDataset``: an ``ImageSet`` as one compressed ``.npz`` file, optionally versioned."""

from __future__ import annotations

import os
import posixpath
import uuid
from pathlib import PurePosixPath
from typing import Any

import fsspec
import numpy as np
from kedro.io.core import (
    AbstractVersionedDataset,
    DatasetError,
    Version,
    get_filepath_str,
    get_protocol_and_path,
)

from synthbalance.images import ImageSet


class ImageSetDataset(AbstractVersionedDataset[ImageSet, ImageSet]):
    """Saves and loads an ``ImageSet`` as a compressed ``.npz`` (no pickled objects).

    A save writes a temporary file beside the target and renames it, so a run that is
    killed mid-write never leaves a half-written file under the dataset's name.

    Example catalog entry::

        train_imbalanced:
          type: synthbalance.datasets.ImageSetDataset
          filepath: data/05_model_input/train_imbalanced.npz
          versioned: true
    """

    def __init__(
        self,
        *,
        filepath: str,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        protocol, path = get_protocol_and_path(filepath, version)
        self._protocol = protocol
        self._fs = fsspec.filesystem(protocol, **(credentials or {}), **(fs_args or {}))
        self.metadata = metadata
        super().__init__(
            filepath=PurePosixPath(path),
            version=version,
            exists_function=self._fs.exists,
            glob_function=self._fs.glob,
        )

    def load(self) -> ImageSet:
        path = get_filepath_str(self._get_load_path(), self._protocol)
        try:
            with self._fs.open(path, "rb") as file, np.load(file, allow_pickle=False) as npz:
                origin = npz["origin"] if "origin" in npz.files else None
                return ImageSet(npz["images"], npz["labels"], tuple(npz["class_names"]), origin)
        except (KeyError, ValueError, OSError) as error:
            raise DatasetError(f"'{path}' is not a readable ImageSet file: {error}") from error

    def save(self, data: ImageSet) -> None:
        if not isinstance(data, ImageSet):
            raise DatasetError(f"ImageSetDataset saves an ImageSet, not {type(data).__name__}")
        path = get_filepath_str(self._get_save_path(), self._protocol)
        arrays = {
            "images": data.images,
            "labels": data.labels,
            "class_names": np.asarray(data.class_names, dtype=str),
        }
        if data.origin is not None:
            arrays["origin"] = data.origin
        self._fs.makedirs(posixpath.dirname(path), exist_ok=True)
        partial = f"{path}.{uuid.uuid4().hex}.partial"
        try:
            with self._fs.open(partial, "wb") as file:
                np.savez_compressed(file, **arrays)
            if self._protocol == "file":
                os.replace(partial, path)  # atomic on one filesystem
            else:
                self._fs.mv(partial, path)
        finally:
            if self._fs.exists(partial):
                self._fs.rm(partial)
        self._fs.invalidate_cache(path)

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "protocol": self._protocol, "version": self._version}

    def _exists(self) -> bool:
        try:
            path = get_filepath_str(self._get_load_path(), self._protocol)
        except DatasetError:
            return False
        return self._fs.exists(path)
