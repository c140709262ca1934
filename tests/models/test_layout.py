"""The layout layers move memory layouts only: the same values forward, the same gradients
back in the layout they came from, and the same weights trained, bit for bit."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from synthbalance.config import GanParams
from synthbalance.core.images import ImageSet
from synthbalance.models import layout
from synthbalance.models.autoencoder import Autoencoder
from synthbalance.training.gan import setup
from synthbalance.training.gan_loop import gan_step


def _plain(net: nn.Module) -> nn.Module:
    """A copy of ``net`` with each layout layer replaced by the plain layer it extends."""
    net = copy.deepcopy(net)
    for module in list(net.modules()):
        for name, child in module.named_children():
            if isinstance(child, layout.Flatten):
                setattr(module, name, nn.Flatten(child.start_dim, child.end_dim))
            elif isinstance(child, layout.ChannelsLastReLU):
                setattr(module, name, nn.ReLU(child.inplace))
    return net


def _has_layout_layers(net: nn.Module) -> bool:
    return any(isinstance(m, layout.Flatten | layout.ChannelsLastReLU) for m in net.modules())


def test_flatten_gives_nchw_order_and_a_channels_last_gradient():
    x = torch.randn(2, 3, 4, 5).contiguous(memory_format=torch.channels_last).requires_grad_()
    out = layout.Flatten()(x)
    assert torch.equal(out, x.detach().contiguous().flatten(1))
    out.backward(torch.arange(out.numel(), dtype=torch.float32).view_as(out))
    assert x.grad.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(
        x.grad.flatten(1), torch.arange(out.numel(), dtype=torch.float32).view(2, -1)
    )


def test_channels_last_relu_gives_relu_in_channels_last_and_an_nchw_gradient():
    x = torch.randn(2, 3, 4, 5, requires_grad=True)
    out = layout.ChannelsLastReLU(inplace=True)(x * 1)  # in place on a copy, as in the generator
    assert out.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(out, F.relu(x.detach()))
    out.sum().backward()
    assert x.grad.is_contiguous() and torch.equal(x.grad, (x.detach() > 0).float())


def test_a_gan_trains_the_same_weights_bit_for_bit():
    rng = np.random.default_rng(0)
    train = ImageSet(
        rng.integers(0, 256, (96, 1, 28, 28), dtype=np.uint8),
        np.r_[np.zeros(64, np.int64), np.ones(32, np.int64)],
        ("a", "b"),
    )
    params = GanParams(architecture="dcgan", classes=["b"], batch_size=16, checkpoint_dir="/x")
    _, _, (ours,) = setup(train, params, 0, torch.device("cpu"))
    plain = copy.copy(ours)
    plain.generator, plain.discriminator = _plain(ours.generator), _plain(ours.discriminator)
    assert _has_layout_layers(ours.discriminator) and _has_layout_layers(ours.generator)
    assert not _has_layout_layers(plain.discriminator) and not _has_layout_layers(plain.generator)
    plain.opt_g = torch.optim.Adam(plain.generator.parameters(), 4e-4, betas=(0.0, 0.9))
    plain.opt_d = torch.optim.Adam(plain.discriminator.parameters(), 4e-4, betas=(0.0, 0.9))
    plain.opt_g.load_state_dict(ours.opt_g.state_dict())
    plain.opt_d.load_state_dict(ours.opt_d.state_dict())
    plain.ema = copy.deepcopy(ours.ema)
    trained = []
    for player in (ours, plain):
        stream = torch.Generator().manual_seed(1)
        autocast = torch.autocast("cpu", dtype=torch.bfloat16)
        for _ in range(6):
            gan_step(player, 16, params.z_dim, "hinge", [], stream, autocast)
        nets = (player.generator, player.discriminator)
        trained.append([t.clone() for net in nets for t in net.state_dict().values()])
    assert all(torch.equal(a, b) for a, b in zip(*trained, strict=True))


@pytest.mark.parametrize("precision", ["bf16", "fp32"])
def test_an_autoencoder_trains_the_same_weights_bit_for_bit(precision):
    torch.manual_seed(0)
    ours = Autoencoder(16, 8, 1, 28, ["a", "b"]).to(memory_format=torch.channels_last)
    plain = _plain(ours)
    images = torch.rand(32, 1, 28, 28) * 2 - 1
    trained = []
    for net in (ours, plain):
        optimiser = torch.optim.Adam(net.parameters(), 1e-2)
        for step in range(6):
            batch = images[8 * (step % 4) : 8 * (step % 4 + 1)]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                loss = F.mse_loss(net(batch).float(), batch)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        trained.append([t.clone() for t in net.state_dict().values()])
    assert all(torch.equal(a, b) for a, b in zip(*trained, strict=True))
