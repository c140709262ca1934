"""Layers where a network's memory layout changes, with gradients in the matching layout.

The networks run channels-last (NHWC): on this CPU their convolutions are faster that way.
Two places have to leave it. ``Flatten`` before a linear layer reads features in NCHW order
(the order the linear weights were trained and saved in), so it copies them; and the
generator's ``Unflatten`` makes an NCHW map. Autograd hands back the gradient of such a copy
in the layout of the copy, and an elementwise backward that meets a gradient in one layout
and its saved tensor in the other falls off the fast path: on a 2-core Xeon in bf16 the
discriminator's last LeakyReLU backward took 307 us against 39 us, the generator's first
ReLU's 544 us. These layers change the layout where the data changes it, and send the
gradient back in the layout it came from. Only layouts move: every value, and so every
weight trained, is the same bit for bit (tests/models/test_layout.py).
"""

from __future__ import annotations

import torch
from torch import nn


class _Relayout(torch.autograd.Function):
    """x copied into layout ``there``; its gradient copied back into layout ``back``."""

    @staticmethod
    def forward(ctx, x, there: torch.memory_format, back: torch.memory_format):
        ctx.back = back
        return x.clone(memory_format=there)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return grad.contiguous(memory_format=ctx.back), None, None


class Flatten(nn.Flatten):
    """``nn.Flatten`` of a channels-last map: the NCHW copy made first, its gradient returned
    channels-last, so the layer before sees its own layout in backward."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4:
            x = _Relayout.apply(x, torch.contiguous_format, torch.channels_last)
        return super().forward(x)


class ChannelsLastReLU(nn.ReLU):
    """``nn.ReLU`` that first moves an NCHW map (from ``nn.Unflatten``) to channels-last, the
    layout of the convolution after it; the gradient goes back in NCHW."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4:
            x = _Relayout.apply(x, torch.channels_last, torch.contiguous_format)
        return super().forward(x)
