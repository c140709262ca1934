import numpy as np
import pytest

from synthbalance.augmentation import augment_images, draw, transform
from synthbalance.config import AugmentParams

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (5, 2, 12, 12), dtype=np.uint8)


def fixed(count, angle=0.0, shift=(0, 0), scale=1.0, brightness=1.0, flip=False):
    return {"angle": np.full(count, angle), "shift": np.tile(np.array(shift, float), (count, 1)),
            "scale": np.full(count, scale), "brightness": np.full(count, brightness),
            "flip": np.full(count, flip)}  # fmt: skip


def test_the_identity_transform_leaves_the_images_as_they_are():
    assert np.array_equal(transform(IMAGES, fixed(5)), IMAGES)


def test_a_whole_pixel_shift_moves_every_pixel_and_fills_with_black():
    out = transform(IMAGES, fixed(5, shift=(2, -3)))  # 2 right, 3 up
    expected = np.zeros_like(IMAGES)
    expected[..., :-3, 2:] = IMAGES[..., 3:, :-2]
    assert np.array_equal(out, expected)


def test_a_quarter_turn_about_the_centre_is_a_rotation_of_the_array():
    out = transform(IMAGES, fixed(5, angle=90.0))
    turned = [np.array_equal(out, np.rot90(IMAGES, k, axes=(2, 3))) for k in (1, 3)]
    assert any(turned)


def test_brightness_scales_the_values_and_clips_them_as_torchvision_does():
    out = transform(IMAGES, fixed(5, brightness=1.5))
    assert np.array_equal(out, np.clip(IMAGES.astype(np.float32) * 1.5, 0, 255).astype(np.uint8))


def test_flip_mirrors_left_to_right():
    assert np.array_equal(transform(IMAGES, fixed(5, flip=True)), IMAGES[..., ::-1])


def test_each_image_draws_its_own_transform_within_the_configured_ranges():
    params = AugmentParams(rotation=10, translate=0.2, scale=(0.8, 1.2), brightness=0.3)
    drawn = draw(2000, (10, 20), params, np.random.default_rng(1))
    assert np.abs(drawn["angle"]).max() <= 10 and len(np.unique(drawn["angle"])) == 2000
    assert np.abs(drawn["shift"][:, 0]).max() <= 4 and np.abs(drawn["shift"][:, 1]).max() <= 2
    assert np.array_equal(drawn["shift"], np.round(drawn["shift"]))
    assert drawn["scale"].min() >= 0.8 and drawn["scale"].max() <= 1.2
    assert drawn["brightness"].min() >= 0.7 and drawn["brightness"].max() <= 1.3
    assert not drawn["flip"].any()  # digits are not flipped unless asked
    flips = draw(2000, (10, 20), AugmentParams(horizontal_flip=True), np.random.default_rng(1))
    assert 0.4 < flips["flip"].mean() < 0.6


@pytest.mark.parametrize("count", [1, 5000])  # 5000: more than one chunk
def test_the_same_seed_gives_the_same_images_and_another_seed_others(count):
    images = np.resize(IMAGES, (count, *IMAGES.shape[1:]))
    once = augment_images(images, AugmentParams(), seed=3)
    assert once.shape == images.shape and once.dtype == np.uint8
    assert np.array_equal(once, augment_images(images, AugmentParams(), seed=3))
    assert not np.array_equal(once, augment_images(images, AugmentParams(), seed=4))
