"""Images laid out in a grid: torchvision's ``make_grid`` layout, without importing torchvision
(its import pulls in torch._dynamo, about 3 s of every ``kedro`` command that trains nothing)."""

from __future__ import annotations

import math

import torch


def tile(
    images: torch.Tensor, columns: int, padding: int = 2, pad_value: float = 0
) -> torch.Tensor:
    """(N, C, H, W) images -> (C, H', W'): ``columns`` to a row, in order, each with
    ``padding`` pixels of ``pad_value`` around it (shared between neighbours), as
    ``torchvision.utils.make_grid`` lays them out; the channels are kept as they are (make_grid
    makes one channel three), and a single image is padded too (make_grid returns it bare)."""
    count, channels, height, width = images.shape
    across = min(columns, count)
    down = math.ceil(count / across)
    step_y, step_x = height + padding, width + padding
    grid = images.new_full(
        (channels, step_y * down + padding, step_x * across + padding), pad_value
    )
    for k in range(count):
        y, x = divmod(k, across)
        top, left = y * step_y + padding, x * step_x + padding
        grid[:, top : top + height, left : left + width] = images[k]
    return grid
