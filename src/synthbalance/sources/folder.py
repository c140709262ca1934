"""An image-folder tree, ``root/<class>/*.png|jpg|jpeg``, decoded, cropped and resized."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from synthbalance.core import progress
from synthbalance.core.images import ImageSet
from synthbalance.sources.common import SourceError

logger = logging.getLogger(__name__)

SUFFIXES = {".png", ".jpg", ".jpeg"}
_MODES = {"grey": "L", "rgb": "RGB"}


def _class_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        raise SourceError(
            f"image folder {root} does not exist; expected {root}/<class>/*.png|jpg|jpeg, or "
            f"train/<class>/… and test/<class>/… in it; `ingest.folder` says where to read"
        )
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise SourceError(f"{root} has no class folders; expected {root}/<class>/*.png|jpg|jpeg")
    return folders


def _image_files(root: Path, folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES:
            continue
        if not path.resolve().is_relative_to(root.resolve()):
            raise SourceError(f"{path} resolves to {path.resolve()}, outside {root}; refused")
        files.append(path)
    if not files:
        raise SourceError(f"class folder {folder} holds no .png, .jpg or .jpeg images")
    return files


def _decode(path: Path, size: int, mode: str) -> np.ndarray:
    """One file -> uint8 (C, size, size): centre-cropped to a square, then resized."""
    try:
        with warnings.catch_warnings():
            # Pillow warns at 89M pixels and raises at twice that; raise at the warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image = ImageOps.fit(image.convert(mode), (size, size), Image.Resampling.BILINEAR)
    except (
        OSError,
        UnidentifiedImageError,
        ValueError,
        SyntaxError,  # Pillow's PNG reader: "broken PNG file" for a chunk with a bad CRC
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise SourceError(f"{path}: not a readable image ({error})") from error
    array = np.asarray(image, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def read_image_folder(root: Path, size: int, color: str, skip_bad_files: bool) -> ImageSet:
    """Every image under ``root/<class>/`` as one ImageSet of ``color`` images, size x size.

    A file that cannot be decoded is an error naming it, or, with ``skip_bad_files``,
    is left out and named in a warning; a class left with no image is always an error.
    """
    root = Path(root)
    folders = _class_folders(root)
    files = [
        (label, path) for label, folder in enumerate(folders) for path in _image_files(root, folder)
    ]
    images, labels, skipped = [], [], []
    for label, path in progress.bar(files, f"decoding {root.name}", unit="img"):
        try:
            images.append(_decode(path, size, _MODES[color]))
            labels.append(label)
        except SourceError:
            if not skip_bad_files:
                raise
            skipped.append(path)
    for label in sorted(set(range(len(folders))) - set(labels)):
        raise SourceError(f"class folder {folders[label]} has no readable image")
    if skipped:
        logger.warning(
            "skipped %d unreadable file(s) under %s: %s",
            len(skipped),
            root,
            ", ".join(str(path) for path in skipped),
        )
    names = tuple(folder.name for folder in folders)
    return ImageSet(np.stack(images), np.asarray(labels), names, np.full(len(labels), "real"))
