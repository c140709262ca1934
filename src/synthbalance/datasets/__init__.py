"""Custom Kedro datasets of synthbalance."""

from synthbalance.datasets.animation_dataset import AnimationDataset
from synthbalance.datasets.generator_model_dataset import GeneratorModelDataset
from synthbalance.datasets.image_set_dataset import ImageSetDataset
from synthbalance.datasets.mlflow_batched_metrics_dataset import MlflowBatchedMetricsDataset
from synthbalance.datasets.mlflow_image_steps_dataset import MlflowImageStepsDataset
from synthbalance.datasets.picture_dataset import PictureDataset
from synthbalance.datasets.strategy_result_dataset import StrategyResultDataset
from synthbalance.datasets.torch_model_dataset import TorchModelDataset

__all__ = [
    "AnimationDataset",
    "GeneratorModelDataset",
    "ImageSetDataset",
    "MlflowBatchedMetricsDataset",
    "MlflowImageStepsDataset",
    "PictureDataset",
    "StrategyResultDataset",
    "TorchModelDataset",
    "loaded",
]


def loaded(partitions: dict) -> dict:
    """A PartitionedDataset's partitions, name -> value in name order. Kedro hands a node
    one loader function per partition; values saved earlier in the same run are passed as
    they are."""
    return {name: load() if callable(load) else load for name, load in sorted(partitions.items())}
