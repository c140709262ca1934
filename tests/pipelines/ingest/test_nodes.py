import numpy as np
import pytest
from pydantic import ValidationError

from synthbalance.config import IngestParams
from synthbalance.config import ingest as ingest_config
from synthbalance.pipelines.ingest.nodes import load_dataset
from synthbalance.sources import SourceError


def test_digits_are_split_stratified_and_seeded():
    params = IngestParams(source="digits", test_fraction=0.25)
    train, test = load_dataset(params, seed=1)
    assert len(train) + len(test) == 1797
    assert np.all(test.class_counts() >= 0.25 * (train.class_counts() + test.class_counts()))
    _, again = load_dataset(params, seed=1)
    assert np.array_equal(test.images, again.images)


def test_a_train_fraction_keeps_a_stratified_share_and_the_whole_test_split():
    full_train, full_test = load_dataset(IngestParams(source="digits"), seed=0)
    train, test = load_dataset(IngestParams(source="digits", train_fraction=0.1), seed=0)
    assert np.array_equal(test.images, full_test.images)
    assert np.array_equal(train.class_counts(), np.ceil(0.1 * full_train.class_counts()))
    kept = {image.tobytes() for image in full_train.images}
    assert all(image.tobytes() in kept for image in train.images)


def test_size_and_colour_apply_to_every_split():
    train, test = load_dataset(IngestParams(source="digits", image_size=16, color="rgb"), seed=0)
    assert train.images.shape[1:] == test.images.shape[1:] == (3, 16, 16)


def test_missing_mnist_without_download_says_where_to_put_the_files(tmp_path):
    params = IngestParams(source="mnist", folder=str(tmp_path / "mnist"), download=False)
    with pytest.raises(SourceError, match=f"{tmp_path / 'mnist'} lacks train-images-idx3-ubyte"):
        load_dataset(params, seed=0)


def test_default_folder_follows_the_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(ingest_config.SYSTEM_FOLDERS, "fashion_mnist", tmp_path / "debian")
    assert str(IngestParams(source="fashion_mnist").source_folder) == "data/01_raw/fashion_mnist"


def test_a_debian_package_s_folder_is_read_when_the_default_one_is_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    debian = tmp_path / "debian"
    debian.mkdir()
    monkeypatch.setitem(ingest_config.SYSTEM_FOLDERS, "fashion_mnist", debian)
    assert IngestParams(source="fashion_mnist").source_folder == debian
    (tmp_path / "data/01_raw/fashion_mnist").mkdir(parents=True)  # the project's own wins
    assert str(IngestParams(source="fashion_mnist").source_folder) == "data/01_raw/fashion_mnist"
    assert str(IngestParams(source="mnist").source_folder) == "data/01_raw/mnist"


@pytest.mark.parametrize(
    "bad",
    [
        {"source": "imagenet"},
        {"test_fraction": 1.0},
        {"image_size": 0},
        {"colour": "rgb"},
        {"train_fraction": 0},
        {"train_fraction": 1.5},
    ],
)
def test_bad_parameters_are_refused(bad):
    with pytest.raises(ValidationError):
        IngestParams(**bad)
