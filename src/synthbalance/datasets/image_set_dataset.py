"""``ImageSetDataset``: an ``ImageSet`` as one compressed ``.npz`` file, optionally versioned
(the file's format: ``synthbalance.core.images.write_image_set``)."""

from __future__ import annotations

import base64
import io
import os
import threading
from collections import OrderedDict
from typing import IO

from fsspec.implementations.local import LocalFileSystem
from kedro.io.core import DatasetError, get_filepath_str
from kedro_datasets._typing import ImagePreview

from synthbalance.core.images import ImageSet, read_image_set, write_image_set
from synthbalance.datasets._file import FileDataset

# Sets read from local files, least recently loaded first: (path, stat signature) -> set.
_KEPT: OrderedDict[tuple, ImageSet] = OrderedDict()
_LOCK = threading.Lock()  # Kedro's ThreadRunner loads from several threads
KEEP_BYTES = 256 * 2**20  # one replicate's sets read most often are about 140 MB on MNIST


def _keep(key: tuple, image_set: ImageSet) -> None:
    if _bytes(image_set) > KEEP_BYTES:
        return
    _KEPT[key] = image_set
    while sum(map(_bytes, _KEPT.values())) > KEEP_BYTES:
        _KEPT.popitem(last=False)


def _bytes(image_set: ImageSet) -> int:
    origin = 0 if image_set.origin is None else image_set.origin.nbytes
    return image_set.images.nbytes + image_set.labels.nbytes + origin


def _forget(filepath: str) -> None:
    """Drop the kept sets of the dataset at ``filepath`` (any of its versions)."""
    with _LOCK:
        for key in [key for key in _KEPT if _same_dataset(key[0], filepath)]:
            del _KEPT[key]


def _same_dataset(path: str, filepath: str) -> bool:
    """Whether ``path`` is the file of the dataset at ``filepath`` (or one of its versions)."""
    return path == filepath or path.startswith(f"{filepath}/")


class ImageSetDataset(FileDataset[ImageSet]):
    """Saves and loads an ``ImageSet`` as a compressed ``.npz`` (no pickled objects).

    Example catalog entry::

        train_imbalanced:
          type: synthbalance.datasets.ImageSetDataset
          filepath: data/05_model_input/train_imbalanced.npz
          versioned: true

    A local file it has read stays in memory, shared by every ``ImageSetDataset`` of the
    process, until Kedro releases the dataset (after its last reader in the run) or the
    sets loaded since fill ``KEEP_BYTES`` (a larger set is not kept): a run reads each
    replicate's validation split about 40 times and the test split 27, and inflating them
    again was most of the run's dataset I/O. Every load returns that one set, which no node
    can change (an ``ImageSet``'s arrays are read-only); a file replaced or changed on disk
    since (its inode, size, or modification or change time) is read again, and a save drops
    what was kept of the dataset. Under Kedro's ParallelRunner the workers' loads are
    released in the parent process, so each worker keeps at most ``KEEP_BYTES``.
    """

    def load(self) -> ImageSet:
        if not isinstance(self._fs, LocalFileSystem):
            return super().load()
        path = get_filepath_str(self._get_load_path(), self._protocol)
        try:
            stat = os.stat(path)
        except OSError:
            return super().load()  # its error: no such file
        key = (path, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        with _LOCK:
            if key in _KEPT:
                _KEPT.move_to_end(key)
                return _KEPT[key]
        image_set = super().load()
        with _LOCK:
            _keep(key, image_set)
        return image_set

    def _release(self) -> None:
        super()._release()
        _forget(get_filepath_str(self._filepath, self._protocol))

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
        _forget(get_filepath_str(self._filepath, self._protocol))

    def _write(self, data: ImageSet, file: IO[bytes]) -> None:
        write_image_set(file, data)
