import numpy as np
import pytest

from synthbalance.config.strategies import AugmentParams
from synthbalance.core.augmentation import augment_images, draw, transform


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
