"""CIFAR-10 from its python batches, unpickled by a reader that builds only arrays."""

from __future__ import annotations

import codecs
import io
import pickle
from pathlib import Path

import numpy as np

from synthbalance.core.images import ImageSet
from synthbalance.sources.common import SourceError, download_into

TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
FILES = [*TRAIN_BATCHES, "test_batch", "batches.meta"]
SUBFOLDER = "cifar-10-batches-py"  # the name inside the official archive
_IMAGE_SHAPE = (3, 32, 32)

# The only globals a CIFAR batch needs: numpy's array reconstruction, and codecs.encode,
# which protocol-2 pickles written by Python 3 use for bytes.
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles plain containers and numpy arrays; refuses every other global, so a
    crafted batch file cannot run code."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        if name == "_reconstruct":
            from numpy._core.multiarray import _reconstruct

            return _reconstruct
        if module == "_codecs":
            return codecs.encode
        return getattr(np, name)


def _load_batch(path: Path) -> dict:
    try:
        batch = _ArrayUnpickler(io.BytesIO(path.read_bytes()), encoding="latin1").load()
    except Exception as error:
        raise SourceError(f"{path}: not a CIFAR-10 python batch ({error})") from error
    if not isinstance(batch, dict):
        raise SourceError(f"{path}: not a CIFAR-10 python batch (holds {type(batch).__name__})")
    return {key.decode() if isinstance(key, bytes) else key: value for key, value in batch.items()}


def _read_batches(folder: Path, names: list[str], class_names: tuple[str, ...]) -> ImageSet:
    images, labels = [], []
    for name in names:
        batch = _load_batch(folder / name)
        try:
            data = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, *_IMAGE_SHAPE)
            batch_labels = np.asarray(batch["labels"], dtype=np.int64)
        except (KeyError, ValueError, TypeError) as error:
            raise SourceError(f"{folder / name}: malformed CIFAR-10 batch ({error})") from error
        if len(data) != len(batch_labels):
            raise SourceError(f"{folder / name}: {len(data)} images but {len(batch_labels)} labels")
        if len(batch_labels) and not 0 <= batch_labels.min() <= batch_labels.max() < len(
            class_names
        ):
            raise SourceError(
                f"{folder / name}: labels outside 0..{len(class_names) - 1} for "
                f"{len(class_names)} classes"
            )
        images.append(data)
        labels.append(batch_labels)
    labels = np.concatenate(labels)
    return ImageSet(np.concatenate(images), labels, class_names, np.full(len(labels), "real"))


def _fetch(scratch: Path) -> Path:
    from torchvision.datasets import CIFAR10

    CIFAR10(root=str(scratch), train=True, download=True)
    return scratch / SUBFOLDER


def read_cifar10(folder: Path, download: bool) -> tuple[ImageSet, ImageSet]:
    """(train, test) of CIFAR-10 from ``folder`` (or its ``cifar-10-batches-py``)."""
    folder = Path(folder)
    if (folder / SUBFOLDER).is_dir():
        folder = folder / SUBFOLDER
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing and not download:
        raise SourceError(
            f"CIFAR-10: {folder} lacks {', '.join(missing)}. Put the python batches "
            f"({', '.join(FILES)}) there, or set download: true"
        )
    if missing:
        download_into(folder, FILES, _fetch, "CIFAR-10")
    meta = _load_batch(folder / "batches.meta")
    class_names = tuple(
        name.decode() if isinstance(name, bytes) else str(name)
        for name in meta.get("label_names", [])
    )
    if len(class_names) != 10:
        raise SourceError(f"{folder / 'batches.meta'}: expected 10 label_names, got {class_names}")
    return (
        _read_batches(folder, TRAIN_BATCHES, class_names),
        _read_batches(folder, ["test_batch"], class_names),
    )
