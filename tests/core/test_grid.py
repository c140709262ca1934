"""``tile`` lays images out as torchvision's ``make_grid`` did, so the pictures it draws are
the same bytes, and the settings no longer import torchvision."""

import subprocess
import sys

import pytest
import torch
from torchvision.utils import make_grid

from synthbalance.core.grid import tile


@pytest.mark.parametrize(("count", "channels", "columns"), [(7, 1, 3), (20, 3, 10), (4, 1, 9)])
def test_tile_is_make_grid_s_layout(count, channels, columns):
    images = torch.randint(0, 256, (count, channels, 5, 6), dtype=torch.uint8)
    ours = tile(images, columns, padding=2, pad_value=128)
    theirs = make_grid(images, nrow=columns, padding=2, pad_value=128)
    assert ours.dtype == torch.uint8
    assert torch.equal(ours, theirs[:channels])  # make_grid repeats one channel three times


def test_the_progress_grid_s_scaling_is_make_grid_s_normalisation():
    from synthbalance.training.monitor import tile as monitor_tile

    assert monitor_tile is tile
    images = torch.randn(12, 1, 8, 8) * 1.5  # beyond [-1, 1]: clamped
    ours = tile(((images.clamp(-1, 1) + 1) / 2).expand(-1, 3, -1, -1), 4)
    theirs = make_grid(images, nrow=4, padding=2, normalize=True, value_range=(-1, 1))
    assert torch.equal(ours, theirs)


def test_the_project_s_settings_do_not_import_torchvision():
    probe = "import sys, synthbalance.settings; print('torchvision' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"
