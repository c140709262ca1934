"""The `augment` strategies' transforms, a whole batch at a time: each image its own random
rotation, whole-pixel shift, scale, brightness and (optionally) horizontal flip, the same
family torchvision's ``RandomAffine`` + ``ColorJitter(brightness)`` + ``RandomHorizontalFlip``
draw from, applied at once by ``affine_grid`` + ``grid_sample`` (nearest neighbour, zeros
outside, as torchvision's defaults).

Per image through torchvision took about 15 s per training set on MNIST's defaults; this
takes under a second (benchmarks/augmentation.py has both side by side, and the classifiers
trained on each).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

_CHUNK = 4096  # images transformed per call: bounds the float copies' memory


def draw(
    count: int, size: tuple[int, int], params, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Per-image transform parameters from ``params`` (``config.AugmentParams``): angle
    (degrees), shift (dx, dy in whole pixels, as torchvision rounds them), scale, brightness
    factor, flip."""
    height, width = size
    most = np.array([params.translate * width, params.translate * height])
    low, high = params.scale
    return {
        "angle": rng.uniform(-params.rotation, params.rotation, count),
        "shift": np.round(rng.uniform(-most, most, (count, 2))),
        "scale": rng.uniform(low, high, count),
        "brightness": rng.uniform(max(0.0, 1 - params.brightness), 1 + params.brightness, count),
        "flip": rng.random(count) < (0.5 if params.horizontal_flip else 0.0),
    }


def _inverse_maps(angle, shift, scale, height: int, width: int) -> torch.Tensor:
    """(N, 2, 3) maps from output to input positions in ``affine_grid``'s normalised
    coordinates, for the transform: scale and rotate about the centre, then shift."""
    radians = np.deg2rad(angle)
    cos, sin = np.cos(radians) / scale, np.sin(radians) / scale
    # the inverse of scale * rotation, in pixel coordinates centred on the image (y down)
    inverse = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)  # (N, 2, 2)
    to_unit = np.array([2 / width, 2 / height])  # pixels -> normalised, per axis
    linear = inverse * to_unit[None, :, None] / to_unit[None, None, :]
    offset = -np.einsum("nij,nj->ni", linear, shift * to_unit)
    return torch.from_numpy(np.concatenate([linear, offset[..., None]], -1)).float()


def transform(images: np.ndarray, drawn: dict[str, np.ndarray]) -> np.ndarray:
    """uint8 (N, C, H, W) with the transforms ``drawn`` (``draw``'s fields) applied."""
    count, _, height, width = images.shape
    out = np.empty_like(images)
    for start in range(0, count, _CHUNK):
        part = slice(start, start + _CHUNK)
        batch = torch.from_numpy(np.array(images[part], dtype=np.float32))  # a copy: writable
        maps = _inverse_maps(
            drawn["angle"][part], drawn["shift"][part], drawn["scale"][part], height, width
        )
        grid = F.affine_grid(maps, list(batch.shape), align_corners=False)
        moved = F.grid_sample(
            batch, grid, mode="nearest", padding_mode="zeros", align_corners=False
        )
        factor = torch.from_numpy(drawn["brightness"][part]).float()[:, None, None, None]
        bright = (moved * factor).clamp_(0, 255)  # brightness: a blend with black
        flip = torch.from_numpy(drawn["flip"][part])
        bright[flip] = bright[flip].flip(-1)
        out[part] = bright.to(torch.uint8).numpy()  # truncated, as torchvision's blend
    return out


def augment_images(images: np.ndarray, params, seed: int) -> np.ndarray:
    """uint8 (N, C, H, W) -> the same, each image with its own random transform drawn from
    ``seed``'s stream (``params``: ``config.AugmentParams``)."""
    drawn = draw(len(images), images.shape[2:], params, np.random.default_rng(seed))
    return transform(np.asarray(images), drawn)


# ---- the classifier's batch transforms (``batch_augment``), on the batch's device --------

CROP_PAD = 4  # pixels each way: the usual pad-4-and-crop of CIFAR training


def draw_moves(
    count: int, flip: bool, crop: bool, generator: torch.Generator, pad: int = CROP_PAD
) -> torch.Tensor:
    """(count, 3) int64 moves: mirrored (0/1), and the shift down and right in pixels, each in
    [-pad, pad]; what is not asked for is 0. Both are drawn either way, so that the stream's
    use does not depend on the choice."""
    mirrored = (torch.rand(count, generator=generator) < 0.5).long()
    shifts = torch.randint(-pad, pad + 1, (count, 2), generator=generator)
    return torch.cat([mirrored[:, None] * flip, shifts * crop], 1)


def move(images: torch.Tensor, moves: torch.Tensor, pad: int = CROP_PAD) -> torch.Tensor:
    """Images (N, C, H, W) with ``draw_moves``' moves: each shifted (down by moves[:, 1], right
    by moves[:, 2]), zeros filling in, as a crop of the zero-padded image, then mirrored
    left-right where moves[:, 0] is 1; one gather."""
    count, _, height, width = images.shape
    moves = moves.to(images.device)
    padded = F.pad(images, (pad, pad, pad, pad))
    rows = torch.arange(height, device=images.device)[None] - moves[:, 1:2] + pad  # (N, H)
    columns = torch.arange(width, device=images.device).expand(count, width)
    columns = torch.where(moves[:, :1].bool(), columns.flip(1), columns)
    columns = columns - moves[:, 2:3] + pad  # (N, W)
    batch = torch.arange(count, device=images.device)[:, None, None]
    picked = padded[batch, :, rows[:, :, None], columns[:, None, :]]  # (N, H, W, C)
    return picked.permute(0, 3, 1, 2)  # channels-last in memory
