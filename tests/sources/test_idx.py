import gzip
from pathlib import Path

import numpy as np
import pytest

from synthbalance.sources import SourceError, read_idx, read_mnist_like
from synthbalance.sources.idx import SPLIT_FILES

SHARED_MNIST = Path(__file__).parents[3] / "shared" / "data" / "mnist"
DIGITS = tuple(map(str, range(10)))


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def write_mnist_folder(folder: Path, n: int = 6, compress: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for image_stem, label_stem in SPLIT_FILES.values():
        for stem, array in (
            (image_stem, rng.integers(0, 256, (n, 28, 28))),
            (label_stem, np.arange(n) % 10),
        ):
            data = idx_bytes(array)
            if compress:
                (folder / f"{stem}.gz").write_bytes(gzip.compress(data))
            else:
                (folder / stem).write_bytes(data)


@pytest.mark.parametrize("compress", [False, True])
def test_reads_plain_and_gzip_idx(tmp_path, compress):
    write_mnist_folder(tmp_path, n=6, compress=compress)
    train, test = read_mnist_like(tmp_path, DIGITS, fetch=None, what="MNIST")
    assert train.images.shape == (6, 1, 28, 28) and train.images.dtype == np.uint8
    assert train.labels.tolist() == [0, 1, 2, 3, 4, 5]
    assert len(test) == 6 and set(test.origin) == {"real"}


def test_wrong_magic_names_the_file(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(idx_bytes(np.zeros((2, 2))))  # 2-D where labels are 1-D
    with pytest.raises(SourceError, match=r"labels: magic number 2050 .* has 2049"):
        read_idx(path, 1)


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "images"
    path.write_bytes(idx_bytes(np.zeros((3, 28, 28)))[:-10])
    with pytest.raises(SourceError, match="images: .* truncated or damaged"):
        read_idx(path, 3)


def test_damaged_gzip_names_the_file(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((3, 4, 4))))[:-12])
    with pytest.raises(SourceError, match="images.gz: not a valid gzip file"):
        read_idx(path, 3)


def test_labels_out_of_range_name_the_file(tmp_path):
    write_mnist_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.array([0, 1, 2, 3, 4, 12])))
    with pytest.raises(SourceError, match="t10k-labels-idx1-ubyte: label 12 is out of range"):
        read_mnist_like(tmp_path, DIGITS, fetch=None, what="MNIST")


def test_count_mismatch_is_an_error(tmp_path):
    write_mnist_folder(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.arange(5)))
    with pytest.raises(SourceError, match="holds 6 images but .* 5 labels"):
        read_mnist_like(tmp_path, DIGITS, fetch=None, what="MNIST")


def test_missing_files_without_download_name_all_four_and_the_folder(tmp_path):
    with pytest.raises(SourceError) as error:
        read_mnist_like(tmp_path / "mnist", DIGITS, fetch=None, what="MNIST")
    for stem in ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        assert stem in str(error.value)
    assert str(tmp_path / "mnist") in str(error.value)


def test_a_failed_download_is_one_clear_error_and_writes_nothing(tmp_path):
    def offline(scratch):
        raise OSError("network is unreachable")

    folder = tmp_path / "mnist"
    with pytest.raises(SourceError, match="could not be downloaded \\(network is unreachable\\)"):
        read_mnist_like(folder, DIGITS, fetch=offline, what="MNIST")
    assert not folder.exists()


def test_a_successful_download_lands_in_the_folder(tmp_path):
    def fetch(scratch):
        write_mnist_folder(scratch / "raw")
        return scratch / "raw"

    train, _ = read_mnist_like(tmp_path / "mnist", DIGITS, fetch=fetch, what="MNIST")
    assert len(train) == 6
    assert (tmp_path / "mnist" / "train-images-idx3-ubyte").is_file()


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="no shared MNIST files here")
def test_real_mnist_has_its_documented_counts():
    train, test = read_mnist_like(SHARED_MNIST, DIGITS, fetch=None, what="MNIST")
    assert train.images.shape == (60000, 1, 28, 28)
    assert train.class_counts()[5] == 5421
    assert test.class_counts().tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
