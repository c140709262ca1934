import os
import pickle

import numpy as np
import pytest

from synthbalance.sources import SourceError, read_cifar10
from synthbalance.sources.cifar import SUBFOLDER, TRAIN_BATCHES

NAMES = [
    b"airplane",
    b"automobile",
    b"bird",
    b"cat",
    b"deer",
    b"dog",
    b"frog",
    b"horse",
    b"ship",
    b"truck",
]


def write_batches(folder, n=4):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in [*TRAIN_BATCHES, "test_batch"]:
        batch = {
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"labels": list(range(n)),
        }
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": NAMES}))


def test_reads_the_python_batches_from_the_archive_subfolder(tmp_path):
    write_batches(tmp_path / SUBFOLDER)
    train, test = read_cifar10(tmp_path, download=False)
    assert train.images.shape == (20, 3, 32, 32) and len(test) == 4
    assert train.class_names[0] == "airplane"


class Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_a_batch_that_would_run_code_is_refused(tmp_path):
    write_batches(tmp_path)
    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": Exploit()}))
    with pytest.raises(SourceError, match="test_batch: .*refusing to load posix.system"):
        read_cifar10(tmp_path, download=False)


def test_missing_batches_are_named(tmp_path):
    with pytest.raises(SourceError, match="data_batch_1, .*batches.meta"):
        read_cifar10(tmp_path, download=False)
