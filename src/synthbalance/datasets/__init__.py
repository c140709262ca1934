"""Custom Kedro datasets of synthbalance."""

from synthbalance.datasets.image_set_dataset import ImageSetDataset

__all__ = ["ImageSetDataset"]
