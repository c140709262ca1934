"""The one classifier every strategy trains: a small CNN by default, or the seeds' MLP."""

from __future__ import annotations

import torch
from torch import nn


def small_cnn(channels: int, image_size: int, num_classes: int, width: int) -> nn.Sequential:
    side = image_size // 2 // 2
    return nn.Sequential(
        nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),  # (N, w, H/2, W/2)
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),  # (N, 2w, H/4, W/4)
        nn.Flatten(),
        nn.Linear(2 * width * side * side, 128), nn.ReLU(inplace=True),
        nn.Dropout(0.25),
        nn.Linear(128, num_classes),
    )  # fmt: skip


def mlp(channels: int, image_size: int, num_classes: int, width: int) -> nn.Sequential:
    """The seeds' classifier: flattened pixels through two hidden layers."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(channels * image_size * image_size, width), nn.ReLU(inplace=True),
        nn.Linear(width, width // 2), nn.ReLU(inplace=True),
        nn.Linear(width // 2, num_classes),
    )  # fmt: skip


ARCHITECTURES = {"cnn": small_cnn, "mlp": mlp}


class Classifier(nn.Module):
    """One network per replicate, all of one architecture: images (N, C, H, W) in [-1, 1] ->
    logits (N, num_classes) of the network of ``replicate``."""

    def __init__(self, architecture: str, channels: int, image_size: int,
                 class_names: list[str], width: int, replicates: list[int]) -> None:  # fmt: skip
        super().__init__()
        self.config = {"architecture": architecture, "channels": channels,
                       "image_size": image_size, "class_names": list(class_names),
                       "width": width, "replicates": list(replicates)}  # fmt: skip
        self.class_names, self.replicates = list(class_names), list(replicates)
        build = ARCHITECTURES[architecture]
        self.nets = nn.ModuleDict(
            {str(r): build(channels, image_size, len(class_names), width) for r in replicates}
        )
        # NHWC: on this CPU a training step runs 1.4-1.6x and inference 2-2.6x faster in this
        # layout than in NCHW (benchmarks/classifier_layout.py); the weights' values, and so
        # the state dict, are the same in either.
        self.to(memory_format=torch.channels_last)

    def forward(self, images: torch.Tensor, replicate: int) -> torch.Tensor:
        return self.nets[str(replicate)](images.contiguous(memory_format=torch.channels_last))
