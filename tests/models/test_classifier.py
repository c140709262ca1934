"""The classifier's networks pool before their ReLU: the same function and the same training."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from synthbalance.models import layout
from synthbalance.models.classifier import ARCHITECTURES, StridedPointwise


def _textbook(net: nn.Sequential) -> nn.Sequential:
    """The same layers with each max pooling moved after the ReLU that follows it, and a plain
    ``nn.Flatten`` for the layout-aware one (tests/models/test_layout.py)."""
    layers = [nn.Flatten() if isinstance(m, layout.Flatten) else m for m in net]
    for i, layer in enumerate(layers[:-1]):
        if isinstance(layer, nn.MaxPool2d) and isinstance(layers[i + 1], nn.ReLU):
            layers[i], layers[i + 1] = layers[i + 1], layer
    return nn.Sequential(*layers)


_STAGE = [nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.MaxPool2d]
TEXTBOOK = {  # the layers as drawn in the papers, each ReLU before its pooling
    "cnn": [nn.Conv2d, nn.ReLU, nn.MaxPool2d] * 2
    + [nn.Flatten, nn.Linear, nn.ReLU, nn.Dropout, nn.Linear],
    "vgg": _STAGE * 3 + [nn.AdaptiveAvgPool2d, nn.Flatten, nn.Linear],
}


def _train(net: nn.Module, images, labels, steps: int = 12) -> list[torch.Tensor]:
    optimiser = torch.optim.Adam(net.parameters(), 1e-2)
    for step in range(steps):
        batch = slice(16 * (step % 4), 16 * (step % 4 + 1))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = F.cross_entropy(net(images[batch]), labels[batch])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return [p.detach().clone() for p in net.parameters()]


@pytest.mark.parametrize(("architecture", "channels"), [("cnn", 1), ("vgg", 3)])
def test_pooling_before_relu_trains_the_same_weights_bit_for_bit(architecture, channels):
    torch.manual_seed(0)
    # ties inside pooling windows included: whole numbers, with many zeros and negatives
    images = torch.randint(-2, 3, (64, channels, 16, 16)).float()
    labels = torch.randint(0, 4, (64,))
    images = images.contiguous(memory_format=torch.channels_last)  # as the classifier runs
    torch.manual_seed(1)
    ours = ARCHITECTURES[architecture](channels, 16, 4, 8).to(memory_format=torch.channels_last)
    textbook = _textbook(ARCHITECTURES[architecture](channels, 16, 4, 8))
    textbook.to(memory_format=torch.channels_last)
    assert [type(m) for m in textbook] == TEXTBOOK[architecture]
    assert [type(m) for m in ours] != TEXTBOOK[architecture]
    textbook.load_state_dict(ours.state_dict())  # the layers keep their indices
    torch.manual_seed(2)
    trained = _train(ours, images, labels)
    torch.manual_seed(2)  # the same dropout masks
    expected = _train(textbook, images, labels)
    assert all(torch.equal(a, b) for a, b in zip(trained, expected, strict=True))


def test_the_strided_pointwise_convolution_is_the_strided_1x1_convolution():
    # four input channels, channels-last, float32: the case oneDNN's strided 1x1 kernel
    # corrupted the heap in (uxlfoundation/oneDNN#6035); the plain one runs in NCHW, which it
    # does not touch. An odd side: the last row and column count as in the strided one.
    torch.manual_seed(0)
    ours, plain = StridedPointwise(4, 8, 2), nn.Conv2d(4, 8, 1, 2, bias=False)
    plain.load_state_dict(ours.state_dict())
    images = torch.randn(6, 4, 9, 9)
    ours_in = images.contiguous(memory_format=torch.channels_last).requires_grad_()
    plain_in = images.clone().requires_grad_()
    out, expected = ours.to(memory_format=torch.channels_last)(ours_in), plain(plain_in)
    assert out.shape == expected.shape == (6, 8, 5, 5)
    torch.testing.assert_close(out, expected)
    weights = torch.randn_like(expected)
    (out * weights).sum().backward()
    (expected * weights).sum().backward()
    torch.testing.assert_close(ours_in.grad, plain_in.grad)
    torch.testing.assert_close(ours.weight.grad, plain.weight.grad)


def test_the_resnet_keeps_its_shortcut_keys():
    keys = ARCHITECTURES["resnet"](3, 16, 4, 4).state_dict()
    assert {"4.shortcut.0.weight", "4.shortcut.1.running_mean"} <= set(keys)
    assert keys["4.shortcut.0.weight"].shape == (8, 4, 1, 1)
