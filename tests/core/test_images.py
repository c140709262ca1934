import numpy as np
import pytest

from synthbalance.core.images import ImageSet, resize, stratified_split, to_channels
from tests.conftest import make_image_set


def test_image_set_validates_dtype_shape_and_labels():
    with pytest.raises(ValueError, match="uint8"):
        ImageSet(np.zeros((2, 1, 4, 4), np.float32), np.zeros(2), ("a",))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        ImageSet(np.zeros((2, 4, 4), np.uint8), np.zeros(2), ("a",))
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        ImageSet(np.zeros((2, 1, 4, 4), np.uint8), np.zeros(3, np.int64), ("a",))
    with pytest.raises(ValueError, match="must lie in \\[0, 1\\]"):
        ImageSet(np.zeros((2, 1, 4, 4), np.uint8), np.array([0, 2]), ("a", "b"))
    with pytest.raises(ValueError, match="unique"):
        ImageSet(np.zeros((2, 1, 4, 4), np.uint8), np.array([0, 1]), ("a", "a"))


def test_image_set_is_read_only_and_leaves_the_callers_arrays_writable():
    images, labels = np.zeros((2, 1, 4, 4), np.uint8), np.array([0, 1])
    image_set = ImageSet(images, labels, ("a", "b"))
    with pytest.raises(ValueError, match="read-only"):
        image_set.images[0, 0, 0, 0] = 1
    images[0, 0, 0, 0] = 7  # the caller's own array is untouched by the wrapping
    assert image_set.labels.dtype == np.int64
    assert image_set.class_names == ("a", "b")


def test_take_relabel_and_class_index():
    image_set = make_image_set([3, 2])
    subset = image_set.take([4, 0])
    assert subset.labels.tolist() == [1, 0]
    assert subset.origin.tolist() == ["real", "real"]
    assert image_set.class_index(1) == 1
    assert image_set.class_index("c0") == 0
    with pytest.raises(ValueError, match="is not in this dataset"):
        image_set.class_index(7)
    binary = image_set.relabel(np.zeros(5, np.int64), ("x", "y"))
    assert binary.class_counts().tolist() == [5, 0]


def test_stratified_split_rounds_up_per_class_and_is_seeded():
    image_set = make_image_set([50, 7])
    kept, held = stratified_split(image_set, 0.1, np.random.default_rng(1), "validation")
    assert held.class_counts().tolist() == [5, 1]
    assert kept.class_counts().tolist() == [45, 6]
    _, again = stratified_split(image_set, 0.1, np.random.default_rng(1), "validation")
    assert np.array_equal(held.images, again.images)


def test_stratified_split_refuses_to_empty_a_class():
    with pytest.raises(ValueError, match="takes all 1 images of class 'c1'"):
        stratified_split(make_image_set([10, 1]), 0.2, np.random.default_rng(0), "validation")


def test_resize_in_chunks_equals_resizing_each_image():
    images = np.random.default_rng(0).integers(0, 256, (5000, 1, 8, 8), dtype=np.uint8)
    whole = resize(images, 5)  # 4096 + 904: two chunks
    for index in (0, 4095, 4096, 4999):
        assert np.array_equal(whole[index], resize(images[index : index + 1], 5)[0])


def test_resize_and_channels():
    images = make_image_set([2], size=8).images
    assert resize(images, 16).shape == (2, 1, 16, 16)
    assert resize(images, 8) is images
    rgb = to_channels(images, 3)
    assert rgb.shape == (2, 3, 8, 8)
    assert np.array_equal(to_channels(rgb, 1), images)  # grey -> rgb -> grey is lossless


def test_digest_is_of_every_image_and_label_and_nothing_else():
    import hashlib

    images = make_image_set([5, 3])
    expected = hashlib.sha256(images.images.tobytes() + images.labels.tobytes()).hexdigest()
    assert images.digest() == expected
    strided = ImageSet(np.repeat(images.images, 2, axis=-1)[..., ::2], images.labels, ("x", "y"))
    assert not strided.images.flags.c_contiguous
    assert strided.digest() == expected  # the bytes, not the memory layout or class names
    relabelled = ImageSet(images.images, images.labels[::-1].copy(), images.class_names)
    assert relabelled.digest() != expected
