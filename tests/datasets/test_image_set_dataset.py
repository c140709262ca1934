import numpy as np
import pytest
from kedro.io.core import DatasetError, Version

from synthbalance.datasets import ImageSetDataset
from synthbalance.images import ImageSet
from tests.conftest import make_image_set


def test_round_trip_keeps_everything(tmp_path):
    image_set = make_image_set([3, 4], channels=3)
    dataset = ImageSetDataset(filepath=str(tmp_path / "set.npz"))
    dataset.save(image_set)
    loaded = dataset.load()
    assert np.array_equal(loaded.images, image_set.images)
    assert np.array_equal(loaded.labels, image_set.labels)
    assert loaded.class_names == image_set.class_names
    assert loaded.origin.tolist() == image_set.origin.tolist()
    assert [p.name for p in tmp_path.iterdir()] == ["set.npz"]  # no temporary file left


def test_round_trip_without_origin(tmp_path):
    image_set = ImageSet(np.zeros((1, 1, 2, 2), np.uint8), np.array([0]), ("only",))
    dataset = ImageSetDataset(filepath=str(tmp_path / "set.npz"))
    dataset.save(image_set)
    assert dataset.load().origin is None


def test_versioned_save_loads_the_latest(tmp_path):
    path = str(tmp_path / "set.npz")
    ImageSetDataset(filepath=path, version=Version(None, "2026-01-01T00.00.00.000Z")).save(
        make_image_set([1])
    )
    ImageSetDataset(filepath=path, version=Version(None, "2026-01-02T00.00.00.000Z")).save(
        make_image_set([2])
    )
    assert len(ImageSetDataset(filepath=path, version=Version(None, None)).load()) == 2


def test_a_damaged_file_is_a_clear_error(tmp_path):
    path = tmp_path / "set.npz"
    path.write_bytes(b"not an npz")
    with pytest.raises(DatasetError, match="is not a readable ImageSet file"):
        ImageSetDataset(filepath=str(path)).load()


def test_saving_something_else_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="saves an ImageSet"):
        ImageSetDataset(filepath=str(tmp_path / "set.npz")).save(np.zeros(3))
    assert not (tmp_path / "set.npz").exists()
