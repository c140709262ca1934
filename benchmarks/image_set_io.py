"""An ImageSet's file I/O: writing at several deflate levels, and one replicate's loads read
from disk every time against kept in memory, side by side in one run.

Every dataset that crosses a node is persisted; a default run writes each replicate's
training set of every strategy (98k MNIST images for most), and reads the sets many nodes
share again for every one of them. Part 1 times ``np.savez`` (stored),
``np.savez_compressed`` (deflate level 6) and ``write_image_set`` at levels 1 and 3 on one
saved set, and checks that each reads back the same arrays. Part 2 replays the loads of one
replicate of a default run (counted from its log: the validation split 42 times, the test
split 27, the imbalanced training set 16, the synthetic images 8, the full training set 5)
on a finished run's files, once through ``FileDataset.load`` (every load inflates the file,
as before 2026-12-07) and once through ``ImageSetDataset.load`` (the first load of each
file is kept until Kedro releases the dataset).

    .venv/bin/python benchmarks/image_set_io.py --data DATA
        (DATA: a finished default run's data folder, e.g. data/ after `make run`)
"""

from __future__ import annotations

import argparse
import io
import time
from functools import partial
from pathlib import Path

import numpy as np
from _common import PROJECT, print_table, save_json

from synthbalance.core.images import ImageSet, write_image_set
from synthbalance.datasets import ImageSetDataset
from synthbalance.datasets._file import FileDataset

WRITERS = {
    "savez (stored)": lambda file, data: np.savez(file, images=data.images, labels=data.labels),
    "savez_compressed (level 6)": lambda file, data: np.savez_compressed(
        file, images=data.images, labels=data.labels
    ),
    "write_image_set level 1": partial(write_image_set, level=1),
    "write_image_set level 3": partial(write_image_set, level=3),
}
# one replicate's loads in a default run (its log, 2026-12-07): file under DATA -> loads
LOADS = {
    "05_model_input/replicate_0/validation.npz": 42,
    "03_primary/test_set.npz": 27,
    "05_model_input/replicate_0/train_imbalanced.npz": 16,
    "05_model_input/replicate_0/synthetic.npz": 8,
    "03_primary/train_full.npz": 5,
}


def best_of(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def writers(data: ImageSet, repeats: int) -> list[dict]:
    rows = []
    for name, writer in WRITERS.items():

        def write(writer=writer) -> io.BytesIO:
            buffer = io.BytesIO()
            writer(buffer, data)
            return buffer

        content = write().getvalue()
        with np.load(io.BytesIO(content)) as npz:
            assert np.array_equal(npz["images"], data.images), name

        def read(content=content) -> None:
            with np.load(io.BytesIO(content)) as npz:
                for key in npz.files:
                    npz[key]

        rows.append(
            {
                "writer": name,
                "write_s": best_of(write, repeats),
                "read_s": best_of(read, repeats),
                "mb": len(content) / 1e6,
            }
        )
    return rows


def replayed_loads(data: Path, repeats: int) -> list[dict]:
    """Seconds for each file's loads of one replicate, read every time and kept."""
    rows = []
    for relative, count in LOADS.items():
        path = _latest(data / relative)
        first = FileDataset.load(ImageSetDataset(filepath=str(path)))  # nothing kept
        size = len(first)

        def every_time(path=path, count=count, size=size) -> None:
            dataset = ImageSetDataset(filepath=str(path))
            for _ in range(count):
                assert len(FileDataset.load(dataset)) == size

        def kept(path=path, count=count, size=size) -> None:
            dataset = ImageSetDataset(filepath=str(path))
            for _ in range(count):
                assert len(dataset.load()) == size
            dataset.release()

        rows.append(
            {
                "file": relative,
                "images": len(first),
                "loads": count,
                "read every time, s": best_of(every_time, repeats),
                "kept, s": best_of(kept, repeats),
            }
        )
    rows.append(
        {
            "file": "one replicate",
            "images": "",
            "loads": sum(r["loads"] for r in rows),
            "read every time, s": sum(r["read every time, s"] for r in rows),
            "kept, s": sum(r["kept, s"] for r in rows),
        }
    )
    return rows


def _latest(path: Path) -> Path:
    """A versioned dataset's newest file (PATH/<version>/NAME), or PATH itself."""
    if path.is_dir():
        return sorted(path.glob(f"*/{path.name}"))[-1]
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a finished default run's data folder")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    data = Path(args.data)
    training_set = _latest(data / "05_model_input/replicate_0/strategies/augment.npz")
    image_set = ImageSetDataset(filepath=str(training_set)).load()
    written = writers(image_set, args.repeats)
    print(f"writing {training_set}: {len(image_set)} images, best of {args.repeats}")
    print_table(written)
    loads = replayed_loads(data, args.repeats)
    print(f"\none replicate's loads, best of {args.repeats}")
    print_table(loads)
    save_json(args.out, "image_set_io", {"writers": written, "loads": loads})


if __name__ == "__main__":
    main()
