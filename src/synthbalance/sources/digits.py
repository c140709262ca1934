"""scikit-learn's bundled 8x8 digits: no files, no network; the smoke-run dataset."""

from __future__ import annotations

import numpy as np

from synthbalance.core.images import ImageSet


def read_digits() -> ImageSet:
    """All 1,797 digits as one ImageSet, grey levels 0..16 stretched to 0..255."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.round(bunch.images * (255 / 16)).astype(np.uint8)[:, None]  # (N, 1, 8, 8)
    labels = bunch.target.astype(np.int64)
    names = tuple(str(name) for name in bunch.target_names)
    return ImageSet(images, labels, names, np.full(len(labels), "real"))
