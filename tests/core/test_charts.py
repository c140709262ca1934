import numpy as np
from matplotlib import colormaps

from synthbalance.core.charts import CELL, confusion_image
from tests.conftest import make_image_set


def blues(share: float) -> tuple[int, ...]:
    return tuple(round(255 * c) for c in colormaps["Blues"](share)[:3])


def corner_shade(picture, origin, i, j):
    """The colour of cell (i, j)'s top-left corner, clear of its count."""
    x, y = origin
    return picture.getpixel((x + j * CELL + 2, y + i * CELL + 2))


def test_the_confusion_matrix_shades_each_cell_by_its_share_of_the_row():
    test = make_image_set([4, 4, 2])
    predicted = np.array([0, 0, 0, 0, 1, 1, 1, 0, 2, 0])  # row 1: 3 of 4 right; row 2: half
    picture = confusion_image(test, predicted)
    # the grid's top-left corner: the first pixel, line by line, of cell (0, 0)'s full shade
    origin = next(
        (x, y)
        for y in range(picture.height)
        for x in range(picture.width)
        if picture.getpixel((x, y)) == blues(1.0)
    )
    assert corner_shade(picture, origin, 0, 0) == blues(1.0)
    assert corner_shade(picture, origin, 1, 1) == blues(0.75)
    assert corner_shade(picture, origin, 1, 0) == blues(0.25)
    assert corner_shade(picture, origin, 2, 0) == corner_shade(picture, origin, 2, 2) == blues(0.5)
    assert corner_shade(picture, origin, 0, 2) == blues(0.0)


def test_the_confusion_matrix_grows_with_the_classes_and_their_names():
    three = confusion_image(make_image_set([2, 2, 2]), np.zeros(6, int))
    five = confusion_image(make_image_set([2] * 5), np.zeros(10, int))
    assert five.width - three.width == five.height - three.height == 2 * CELL
    named = make_image_set([2, 2, 2])
    named = type(named)(named.images, named.labels, ("airplane", "automobile", "c"), named.origin)
    wide = confusion_image(named, np.zeros(6, int))
    assert wide.width > three.width and wide.height > three.height  # the names fit
