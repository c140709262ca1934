"""``PictureDataset``: a PIL image as one PNG file, with kedro-viz's preview."""

from __future__ import annotations

import base64
from typing import IO

from kedro.io.core import get_filepath_str
from kedro_datasets._typing import ImagePreview
from PIL import Image

from synthbalance.datasets._file import FileDataset


class PictureDataset(FileDataset[Image.Image]):
    """Saves a PIL image as PNG (written under a temporary name, then renamed); loads it
    back in RGB."""

    def _read(self, file: IO[bytes], path: str) -> Image.Image:
        with Image.open(file) as picture:
            return picture.convert("RGB")

    def _write(self, data: Image.Image, file: IO[bytes]) -> None:
        data.save(file, format="PNG")

    def preview(self) -> ImagePreview:
        """kedro-viz's preview: the PNG itself, base64."""
        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, "rb") as file:
            return ImagePreview(base64.b64encode(file.read()).decode())
