"""Ingest: read the configured source into (raw_train, raw_test) ImageSets."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np

from synthbalance.config import IngestParams
from synthbalance.core.images import ImageSet, resize, stratified_split, to_channels
from synthbalance.core.seeding import make_rng
from synthbalance.sources import (
    read_cifar10,
    read_digits,
    read_image_folder,
    read_mnist_like,
)

logger = logging.getLogger(__name__)

FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def _fetcher(dataset_name: str):
    def fetch(scratch: Path) -> Path:
        import torchvision.datasets

        getattr(torchvision.datasets, dataset_name)(root=str(scratch), train=True, download=True)
        return scratch / dataset_name / "raw"

    return fetch


def _read(params: IngestParams, seed: int) -> tuple[ImageSet, ImageSet]:
    folder = params.source_folder
    if params.source in ("mnist", "fashion_mnist"):
        name = "MNIST" if params.source == "mnist" else "FashionMNIST"
        classes = tuple(map(str, range(10))) if params.source == "mnist" else FASHION_CLASSES
        return read_mnist_like(folder, classes, _fetcher(name) if params.download else None, name)
    if params.source == "cifar10":
        return read_cifar10(folder, params.download)
    if params.source == "folder" and (folder / "train").is_dir() and (folder / "test").is_dir():
        return tuple(  # type: ignore[return-value]
            read_image_folder(
                folder / split,
                params.image_size or 32,
                params.color or "rgb",
                params.skip_bad_files,
            )
            for split in ("train", "test")
        )
    everything = (
        read_digits()
        if params.source == "digits"
        else read_image_folder(
            folder, params.image_size or 32, params.color or "rgb", params.skip_bad_files
        )
    )
    return stratified_split(everything, params.test_fraction, make_rng(seed, "ingest"), "test")


def _shape(image_set: ImageSet, params: IngestParams) -> ImageSet:
    images = image_set.images
    if params.color is not None:
        images = to_channels(images, 1 if params.color == "grey" else 3)
    if params.image_size is not None:
        images = resize(images, params.image_size)
    if images is image_set.images:
        return image_set
    return ImageSet(images, image_set.labels, image_set.class_names, image_set.origin)


def _share(image_set: ImageSet, fraction: float, rng: np.random.Generator) -> ImageSet:
    """ceil(fraction x n) random images of each class of n: no class is emptied."""
    kept = [
        rng.permutation(np.flatnonzero(image_set.labels == label))[: math.ceil(fraction * n)]
        for label, n in enumerate(image_set.class_counts())
    ]
    return image_set.take(np.sort(np.concatenate(kept)))


def load_dataset(params: IngestParams, seed: int) -> tuple[ImageSet, ImageSet]:
    """Read the configured source: (raw_train, raw_test), uint8 N x C x H x W.

    Sources without a test split (digits, a folder without train/ and test/) are split
    here, stratified, with ``test_fraction`` of each class held out for test.
    """
    train, test = _read(params, seed)
    if params.train_fraction < 1:  # the test split stays whole: scores stay comparable
        train = _share(train, params.train_fraction, make_rng(seed, "ingest-train-fraction"))
    train, test = _shape(train, params), _shape(test, params)
    logger.info("ingested %s: train %r, test %r", params.source, train, test)
    return train, test
