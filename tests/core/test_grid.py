"""``tile`` lays images out as torchvision's ``make_grid`` did, so the pictures drawn with it
are the same bytes, and the settings no longer import torchvision."""

import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch
from torchvision.utils import make_grid

from synthbalance.core.grid import tile
from synthbalance.training.monitor import progress_grid


@pytest.mark.parametrize(("count", "channels", "columns"), [(7, 1, 3), (20, 3, 10), (4, 1, 9)])
def test_tile_is_make_grid_s_layout(count, channels, columns):
    images = torch.randint(0, 256, (count, channels, 5, 6), dtype=torch.uint8)
    ours = tile(images, columns, padding=2, pad_value=128)
    theirs = make_grid(images, nrow=columns, padding=2, pad_value=128)
    assert ours.dtype == torch.uint8
    assert torch.equal(ours, theirs[:channels])  # make_grid repeats one channel three times


@pytest.mark.parametrize("channels", [1, 3])
def test_the_gan_s_progress_grid_is_the_one_make_grid_drew(channels):
    """A row per class of a conditional generator's samples, some beyond [-1, 1]."""
    samples = {label: torch.randn(4, channels, 8, 8) * 1.5 for label in range(3)}
    player = SimpleNamespace(
        name="all", labels=True, ema=SimpleNamespace(module=lambda z, y: samples[int(y[0])])
    )
    bundle = SimpleNamespace(class_names=["a", "b", "c"])
    ours = progress_grid([player], bundle, torch.zeros(4, 16))
    grid = make_grid(
        torch.cat(list(samples.values())), nrow=4, padding=2, normalize=True, value_range=(-1, 1)
    )
    theirs = (grid.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
    assert ours.shape == theirs.shape and ours.shape[2] == 3
    assert (ours == theirs).all()


def test_the_project_s_settings_import_neither_torchvision_nor_torchmetrics():
    probe = (
        "import sys, synthbalance.settings; "
        "print(sorted({'torchvision', 'torchmetrics'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
