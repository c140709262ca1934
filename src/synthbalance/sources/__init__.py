"""Readers of the image sources synthbalance ingests; each returns ``ImageSet``s.

These are the project's one edge with the outside world: they read files from a
configured folder (and, where allowed, download them first).
"""

from synthbalance.sources.cifar import read_cifar10
from synthbalance.sources.common import SourceError
from synthbalance.sources.digits import read_digits
from synthbalance.sources.folder import read_image_folder
from synthbalance.sources.idx import read_idx, read_mnist_like

__all__ = [
    "SourceError",
    "read_cifar10",
    "read_digits",
    "read_idx",
    "read_image_folder",
    "read_mnist_like",
]
