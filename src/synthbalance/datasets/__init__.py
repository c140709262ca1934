"""Custom Kedro datasets of synthbalance."""

from synthbalance.datasets.animation_dataset import AnimationDataset
from synthbalance.datasets.image_set_dataset import ImageSetDataset
from synthbalance.datasets.torch_model_dataset import TorchModelDataset

__all__ = ["AnimationDataset", "ImageSetDataset", "TorchModelDataset"]
