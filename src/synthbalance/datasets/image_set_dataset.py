"""``ImageSetDataset``: an ``ImageSet`` as one compressed ``.npz`` file, optionally versioned
(the file's format: ``synthbalance.core.images.write_image_set``)."""

from __future__ import annotations

import base64
import io
from typing import IO

from kedro.io.core import DatasetError
from kedro_datasets._typing import ImagePreview

from synthbalance.core.images import ImageSet, read_image_set, write_image_set
from synthbalance.datasets._file import FileDataset


class ImageSetDataset(FileDataset[ImageSet]):
    """Saves and loads an ``ImageSet`` as a compressed ``.npz`` (no pickled objects).

    Example catalog entry::

        train_imbalanced:
          type: synthbalance.datasets.ImageSetDataset
          filepath: data/05_model_input/train_imbalanced.npz
          versioned: true
    """

    def preview(self, per_class: int = 8) -> ImagePreview:
        """kedro-viz's preview: a row per class with its name, its count and a few of its
        images, as a base64 PNG."""
        from synthbalance.core.charts import class_grid  # matplotlib and torchvision: only here

        buffer = io.BytesIO()
        class_grid(self.load(), per_class).save(buffer, format="PNG")
        return ImagePreview(base64.b64encode(buffer.getvalue()).decode())

    def _read(self, file: IO[bytes], path: str) -> ImageSet:
        try:
            return read_image_set(file)
        except (KeyError, ValueError, OSError) as error:
            raise DatasetError(f"'{path}' is not a readable ImageSet file: {error}") from error

    def save(self, data: ImageSet) -> None:
        if not isinstance(data, ImageSet):
            raise DatasetError(f"ImageSetDataset saves an ImageSet, not {type(data).__name__}")
        super().save(data)

    def _write(self, data: ImageSet, file: IO[bytes]) -> None:
        write_image_set(file, data)
