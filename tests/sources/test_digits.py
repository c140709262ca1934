import numpy as np

from synthbalance.sources import read_digits


def test_digits_are_8x8_uint8_over_the_full_range():
    digits = read_digits()
    assert digits.images.shape == (1797, 1, 8, 8) and digits.images.dtype == np.uint8
    assert digits.images.max() == 255 and digits.num_classes == 10
