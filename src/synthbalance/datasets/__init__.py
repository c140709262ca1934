"""Custom Kedro datasets of synthbalance."""

from synthbalance.datasets.animation_dataset import AnimationDataset
from synthbalance.datasets.image_set_dataset import ImageSetDataset
from synthbalance.datasets.strategy_result_dataset import StrategyResultDataset
from synthbalance.datasets.torch_model_dataset import TorchModelDataset

__all__ = [
    "AnimationDataset",
    "ImageSetDataset",
    "StrategyResultDataset",
    "TorchModelDataset",
    "loaded",
]


def loaded(partitions: dict) -> dict:
    """A PartitionedDataset's partitions, name -> value in name order. Kedro hands a node
    one loader function per partition; values saved earlier in the same run are passed as
    they are."""
    return {name: load() if callable(load) else load for name, load in sorted(partitions.items())}
