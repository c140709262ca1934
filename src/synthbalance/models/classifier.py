"""The one classifier every strategy trains: a small CNN by default, the seeds' MLP, or, for
photos, a CNN with batch norm (``vgg``) or a small residual network (``resnet``).

Its last layer is linear, or cosine for the losses whose margins are on cosine logits
(LDAM); a classifier may carry per-class logit offsets per replicate (post-hoc threshold
moving), subtracted from its logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from synthbalance.models import layout

# Max pooling runs before the ReLU it follows in the usual drawing: ReLU is monotone, so
# relu(max(x)) = max(relu(x)) and the gradients agree too (both pass the window's first maximum
# when it is positive, nothing otherwise), but the ReLU touches a quarter of the values. The
# weights trained either way are the same bit for bit (tests/models/test_classifier.py); the
# cnn's bf16 step is 10-12% cheaper (benchmarks/engine_steps.py --loops classifier; vgg's was
# not timed). The layers keep their indices, and so the state dicts their keys.


def small_cnn(channels: int, image_size: int, num_classes: int, width: int) -> nn.Sequential:
    side = image_size // 2 // 2
    return nn.Sequential(
        nn.Conv2d(channels, width, 3, padding=1),
        nn.MaxPool2d(2),  # (N, w, H/2, W/2)
        nn.ReLU(inplace=True),
        nn.Conv2d(width, 2 * width, 3, padding=1),
        nn.MaxPool2d(2),  # (N, 2w, H/4, W/4)
        nn.ReLU(inplace=True),
        layout.Flatten(),
        nn.Linear(2 * width * side * side, 128),
        nn.ReLU(inplace=True),
        nn.Dropout(0.25),
        nn.Linear(128, num_classes),
    )


def mlp(channels: int, image_size: int, num_classes: int, width: int) -> nn.Sequential:
    """The seeds' classifier: flattened pixels through two hidden layers."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(channels * image_size * image_size, width),
        nn.ReLU(inplace=True),
        nn.Linear(width, width // 2),
        nn.ReLU(inplace=True),
        nn.Linear(width // 2, num_classes),
    )


def _conv_bn(inputs: int, outputs: int, stride: int = 1, pool: bool = False) -> list[nn.Module]:
    """A 3x3 convolution, batch norm, (2x2 max pooling,) ReLU."""
    return [
        nn.Conv2d(inputs, outputs, 3, stride, padding=1, bias=False),
        nn.BatchNorm2d(outputs),
        *([nn.MaxPool2d(2)] if pool else []),
        nn.ReLU(inplace=True),
    ]


def vgg(channels: int, image_size: int, num_classes: int, width: int) -> nn.Sequential:
    """Three stages of two 3x3 convolutions with batch norm (width w, 2w, 4w), each halving
    the image, then the global average of the last stage's features and a linear layer."""
    layers: list[nn.Module] = []
    for inputs, outputs in ((channels, width), (width, 2 * width), (2 * width, 4 * width)):
        layers += [*_conv_bn(inputs, outputs), *_conv_bn(outputs, outputs, pool=True)]
    return nn.Sequential(
        *layers,
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4 * width, num_classes),
    )


class StridedPointwise(nn.Conv2d):
    """A 1x1 convolution with a stride, computed as its equal: every stride-th pixel, then a
    1x1 convolution of stride 1. oneDNN's strided 1x1 backward-weights kernels write past their
    workspace for channels-last float32 input with fewer channels than their block (8 with AVX2,
    16 with AVX-512; uxlfoundation/oneDNN#6035): heap corruption, then a crash or a hang. The
    subsampled input takes the unit-stride kernels, which do not. The weights and their keys are
    those of ``nn.Conv2d(inputs, outputs, 1, stride, bias=False)``."""

    def __init__(self, inputs: int, outputs: int, stride: int) -> None:
        super().__init__(inputs, outputs, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        step = self.stride
        return F.conv2d(x[:, :, :: step[0], :: step[1]], self.weight, self.bias)


class BasicBlock(nn.Module):
    """He et al.'s residual block: two 3x3 convolutions with batch norm, added to its input
    (through a 1x1 convolution where the shape changes)."""

    def __init__(self, inputs: int, outputs: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            *_conv_bn(inputs, outputs, stride),
            nn.Conv2d(outputs, outputs, 3, padding=1, bias=False),
            nn.BatchNorm2d(outputs),
        )
        self.shortcut = (
            nn.Identity()
            if stride == 1 and inputs == outputs
            else nn.Sequential(StridedPointwise(inputs, outputs, stride), nn.BatchNorm2d(outputs))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.body(x) + self.shortcut(x))


def resnet(channels: int, image_size: int, num_classes: int, width: int) -> nn.Sequential:
    """A CIFAR ResNet of three stages (w, 2w, 4w channels), one residual block each (ResNet-8),
    the last two halving the image, then the global average and a linear layer."""
    return nn.Sequential(
        *_conv_bn(channels, width),
        BasicBlock(width, width, 1),
        BasicBlock(width, 2 * width, 2),
        BasicBlock(2 * width, 4 * width, 2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4 * width, num_classes),
    )


ARCHITECTURES = {"cnn": small_cnn, "mlp": mlp, "vgg": vgg, "resnet": resnet}


class CosineLinear(nn.Module):
    """Logits as cosines: normalised features against each class's normalised weight, in
    [-1, 1] (LDAM's ``NormedLinear``); a loss scales them. No bias."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        nn.init.kaiming_uniform_(self.weight, a=5**0.5)  # nn.Linear's initialisation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(F.normalize(x, dim=1), F.normalize(self.weight, dim=1))


def _with_cosine_head(net: nn.Sequential) -> nn.Sequential:
    last = net[-1]
    net[-1] = CosineLinear(last.in_features, last.out_features)
    return net


class Classifier(nn.Module):
    """One network per replicate, all of one architecture: images (N, C, H, W) in [-1, 1] ->
    logits (N, num_classes) of the network of ``replicate``."""

    def __init__(
        self,
        architecture: str,
        channels: int,
        image_size: int,
        class_names: list[str],
        width: int,
        replicates: list[int],
        head: str = "linear",
        offsets: dict[str, list[float]] | None = None,
    ) -> None:
        super().__init__()
        self.config = {
            "architecture": architecture,
            "channels": channels,
            "image_size": image_size,
            "class_names": list(class_names),
            "width": width,
            "replicates": list(replicates),
        }
        if head != "linear":  # the configs of linear-head classifiers stay as they were
            self.config["head"] = head
        if offsets is not None:
            self.config["offsets"] = {str(r): list(map(float, v)) for r, v in offsets.items()}
        self.class_names, self.replicates = list(class_names), list(replicates)
        if head not in ("linear", "cosine"):
            raise ValueError(f"head must be 'linear' or 'cosine', got {head!r}")

        def network() -> nn.Sequential:
            net = ARCHITECTURES[architecture](channels, image_size, len(class_names), width)
            return _with_cosine_head(net) if head == "cosine" else net

        self.nets = nn.ModuleDict({str(r): network() for r in replicates})
        self.offsets = {r: torch.tensor(v) for r, v in self.config.get("offsets", {}).items()}
        # NHWC: on this CPU a training step runs 1.4-1.6x and inference 2-2.6x faster in this
        # layout than in NCHW (benchmarks/classifier_layout.py); the weights' values, and so
        # the state dict, are the same in either.
        self.to(memory_format=torch.channels_last)

    def forward(self, images: torch.Tensor, replicate: int) -> torch.Tensor:
        logits = self.nets[str(replicate)](images.contiguous(memory_format=torch.channels_last))
        offset = self.offsets.get(str(replicate))
        return logits if offset is None else logits - offset

    def with_offsets(self, offsets: dict[int, torch.Tensor]) -> Classifier:
        """The same networks (weights copied), each replicate's logits less ``offsets[r]``."""
        config = {**self.config, "offsets": {str(r): v.tolist() for r, v in offsets.items()}}
        with torch.random.fork_rng(devices=[]):  # its initial weights are replaced
            adjusted = Classifier(**config)
        adjusted.load_state_dict(self.state_dict())
        return adjusted.eval()
