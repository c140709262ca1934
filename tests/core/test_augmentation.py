import numpy as np
import pytest
import torch

from synthbalance.config.strategies import AugmentParams
from synthbalance.core.augmentation import (
    CROP_PAD,
    augment_images,
    draw,
    draw_moves,
    move,
    transform,
)


def _digit(size=16) -> np.ndarray:
    """One asymmetric uint8 image (1, 1, size, size): a bar and a dot, off centre."""
    image = np.zeros((1, 1, size, size), np.uint8)
    image[0, 0, 3:12, 5] = 200
    image[0, 0, 4, 9] = 255
    return image


def _drawn(angle=0.0, shift=(0, 0), scale=1.0, brightness=1.0, flip=False) -> dict:
    return {
        "angle": np.array([angle]),
        "shift": np.array([shift], float),
        "scale": np.array([scale]),
        "brightness": np.array([brightness]),
        "flip": np.array([flip]),
    }


def test_the_identity_transform_leaves_the_image_as_it_was():
    assert np.array_equal(transform(_digit(), _drawn()), _digit())


def test_a_whole_pixel_shift_moves_the_image_and_fills_with_black():
    out = transform(_digit(), _drawn(shift=(2, -1)))  # 2 right, 1 up
    expected = np.zeros_like(_digit())
    expected[..., :-1, 2:] = _digit()[..., 1:, :-2]
    assert np.array_equal(out, expected)


def test_half_a_turn_is_both_flips_and_a_flip_is_a_mirror():
    image = _digit()
    assert np.array_equal(transform(image, _drawn(angle=180.0)), image[..., ::-1, ::-1])
    assert np.array_equal(transform(image, _drawn(flip=True)), image[..., ::-1])


def test_brightness_scales_and_clips_the_values():
    image = _digit()
    assert np.array_equal(transform(image, _drawn(brightness=0.5)), image // 2)
    assert transform(image, _drawn(brightness=2.0)).max() == 255


def test_draws_stay_within_the_settings():
    params = AugmentParams(rotation=10, translate=0.1, scale=(0.9, 1.1), brightness=0.2)
    drawn = draw(5000, (28, 28), params, np.random.default_rng(0))
    assert np.abs(drawn["angle"]).max() <= 10 and np.abs(drawn["shift"]).max() <= 3
    assert np.all(drawn["shift"] == np.round(drawn["shift"]))
    assert 0.9 <= drawn["scale"].min() <= drawn["scale"].max() <= 1.1
    assert 0.8 <= drawn["brightness"].min() <= drawn["brightness"].max() <= 1.2
    assert not drawn["flip"].any()  # horizontal_flip: false
    flips = draw(
        5000,
        (28, 28),
        params.model_copy(update={"horizontal_flip": True}),
        np.random.default_rng(0),
    )["flip"]
    assert 0.45 < flips.mean() < 0.55


@pytest.mark.parametrize("channels", [1, 3])
def test_each_image_gets_its_own_draw_and_a_seed_repeats_them(channels):
    images = np.repeat(np.repeat(_digit(), 64, axis=0), channels, axis=1)
    out = augment_images(images, AugmentParams(), seed=7)
    assert out.shape == images.shape and out.dtype == np.uint8
    assert len({o.tobytes() for o in out}) > 60  # one image, 64 different transforms
    assert np.array_equal(out, augment_images(images, AugmentParams(), seed=7))
    assert not np.array_equal(out, augment_images(images, AugmentParams(), seed=8))


# ---- the classifier's batch moves (``batch_augment``) -------------------------------------


def _ramp(count=2, size=5) -> torch.Tensor:
    return torch.arange(count * size * size, dtype=torch.uint8).reshape(count, 1, size, size)


def test_a_mirrored_move_reverses_each_row_and_a_shift_fills_with_zeros():
    images = _ramp()
    moved = move(images, torch.tensor([[1, 0, 0], [0, 1, -2]]), pad=2)
    assert torch.equal(moved[0], images[0].flip(-1))
    assert torch.equal(moved[1, 0, 1:, :3], images[1, 0, :-1, 2:])  # one down, two left
    assert moved[1, 0, 0].sum() == 0 and moved[1, 0, :, 3:].sum() == 0


def test_no_moves_leave_the_batch_as_it_was_in_channels_last():
    images = torch.randint(0, 256, (4, 3, 8, 8), dtype=torch.uint8)
    moved = move(images, torch.zeros(4, 3, dtype=torch.long))
    assert torch.equal(moved, images)
    assert moved.is_contiguous(memory_format=torch.channels_last)


def test_moves_not_asked_for_are_zero_and_the_stream_is_used_alike():
    first = draw_moves(64, True, False, torch.Generator().manual_seed(0))
    both = draw_moves(64, True, True, torch.Generator().manual_seed(0))
    assert first[:, 1:].abs().sum() == 0 and 0 < first[:, 0].sum() < 64
    assert torch.equal(first[:, 0], both[:, 0]) and both[:, 1:].abs().max() == CROP_PAD


def test_a_mirrored_and_shifted_image_is_shifted_then_mirrored():
    images = _ramp(1)
    both = move(images, torch.tensor([[1, 0, 1]]), pad=2)
    shifted = move(images, torch.tensor([[0, 0, 1]]), pad=2)
    assert torch.equal(both, shifted.flip(-1))
