"""MNIST-like sources: the four canonical IDX files, gzip-compressed or not."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from synthbalance.core.images import ImageSet
from synthbalance.sources.common import SourceError, download_into

# (images, labels) file names of each split, as LeCun's site and torchvision name them.
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_UBYTE = 0x08


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """Read an IDX file of unsigned bytes with ``ndim`` dimensions (gzip or plain).

    The magic number must be 0x0800 + ndim (2051 for images, 2049 for labels) and the
    data exactly as long as the header's dimensions say.
    """
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise SourceError(f"{path}: not a valid gzip file ({error})") from error
    expected_magic = (_UBYTE << 8) | ndim
    magic = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if magic != expected_magic:
        raise SourceError(
            f"{path}: magic number {magic} where an IDX file of {ndim}-D unsigned bytes "
            f"has {expected_magic}; is this the right file?"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise SourceError(f"{path}: truncated header ({len(raw)} bytes)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise SourceError(
            f"{path}: {len(raw)} bytes where its header {shape} needs {expected}; "
            f"the file is truncated or damaged"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, f"{stem}.gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_split(folder: Path, split: str, class_names: tuple[str, ...]) -> ImageSet:
    image_file, label_file = (_find(folder, stem) for stem in SPLIT_FILES[split])
    images, labels = read_idx(image_file, 3), read_idx(label_file, 1)
    if len(images) != len(labels):
        raise SourceError(
            f"{image_file} holds {len(images)} images but {label_file} {len(labels)} labels"
        )
    if len(labels) and labels.max() >= len(class_names):
        raise SourceError(
            f"{label_file}: label {labels.max()} is out of range; this dataset has "
            f"{len(class_names)} classes, labels 0..{len(class_names) - 1}"
        )
    return ImageSet(
        images[:, None], labels.astype(np.int64), class_names, np.full(len(labels), "real")
    )


def read_mnist_like(
    folder: Path,
    class_names: tuple[str, ...],
    fetch: Callable[[Path], Path] | None,
    what: str,
) -> tuple[ImageSet, ImageSet]:
    """(train, test) from the IDX files in ``folder``, fetched first if missing and allowed."""
    folder = Path(folder)
    stems = [stem for pair in SPLIT_FILES.values() for stem in pair]
    missing = [stem for stem in stems if _find(folder, stem) is None]
    if missing and fetch is None:
        raise SourceError(
            f"{what}: {folder} lacks {', '.join(missing)}. Put the four IDX files "
            f"({', '.join(stems)}; .gz or not) there, or set download: true"
        )
    if missing:
        download_into(folder, stems, fetch, what)
    return _read_split(folder, "train", class_names), _read_split(folder, "test", class_names)
