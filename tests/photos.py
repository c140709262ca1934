"""CIFAR-10 photos for tests: a slice of the shared JPEG archive where it is at hand
(../shared, beside the project), else JPEG photos of the same layout written here."""

import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

ARCHIVE = Path(__file__).parents[2] / "shared/data/cifar10-jpg/cifar10-jpg.tar.gz"
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
PER_CLASS = {"train": 60, "test": 8}


def real_slice(folder: Path) -> bool:
    """The first ``PER_CLASS`` JPEGs of each class and split from the shared archive."""
    if not ARCHIVE.is_file():
        return False
    taken: dict[tuple[str, str], int] = {}
    with tarfile.open(ARCHIVE) as archive:
        for member in archive:
            parts = Path(member.name).parts
            if not member.isfile() or len(parts) < 3:
                continue
            split, name = parts[-3], parts[-2]
            if taken.get((split, name), 0) < PER_CLASS.get(split, 0):
                taken[(split, name)] = taken.get((split, name), 0) + 1
                target = folder / split / name / parts[-1]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())
            if len(taken) == 2 * len(CLASSES) and all(
                taken[key] == PER_CLASS[key[0]] for key in taken
            ):
                break
    return True


def written_slice(folder: Path) -> None:
    """JPEG photos in CIFAR-10's layout: each class a colour, with noise."""
    rng = np.random.default_rng(0)
    for split, count in PER_CLASS.items():
        for k, name in enumerate(CLASSES):
            (folder / split / name).mkdir(parents=True)
            colour = np.array([25 * k, 255 - 25 * k, (90 * k) % 256])
            for i in range(count):
                pixels = np.clip(colour + rng.normal(0, 30, (32, 32, 3)), 0, 255)
                Image.fromarray(pixels.astype(np.uint8)).save(folder / split / name / f"{i}.jpg")
