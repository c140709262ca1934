"""Writing and reading one ImageSet file at several deflate levels, side by side.

Every dataset that crosses a node is persisted; a default run writes each replicate's
training set of every strategy (98k MNIST images for most). This times ``np.savez`` (stored),
``np.savez_compressed`` (deflate level 6) and ``write_npz`` at levels 1 and 3 on one saved
ImageSet, and checks that each reads back the same arrays.

    .venv/bin/python benchmarks/image_set_io.py \
        --npz data/05_model_input/replicate_0/strategies/augment.npz
"""

from __future__ import annotations

import argparse
import io
import time
from functools import partial

import numpy as np
from _common import PROJECT, print_table, save_json

from synthbalance.datasets import ImageSetDataset
from synthbalance.datasets.image_set_dataset import write_npz

WRITERS = {
    "savez (stored)": lambda file, arrays: np.savez(file, **arrays),
    "savez_compressed (level 6)": lambda file, arrays: np.savez_compressed(file, **arrays),
    "write_npz level 1": partial(write_npz, level=1),
    "write_npz level 3": partial(write_npz, level=3),
}


def best_of(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--npz", required=True, help="a saved ImageSet")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    data = ImageSetDataset(filepath=args.npz).load()
    arrays = {
        "images": data.images,
        "labels": data.labels,
        "class_names": np.asarray(data.class_names, dtype=str),
    }
    if data.origin is not None:
        arrays["origin"] = data.origin
    rows = []
    for name, writer in WRITERS.items():

        def write(writer=writer) -> io.BytesIO:
            buffer = io.BytesIO()
            writer(buffer, arrays)
            return buffer

        content = write().getvalue()
        with np.load(io.BytesIO(content)) as npz:
            assert all(np.array_equal(npz[k], v) for k, v in arrays.items()), name

        def read(content=content) -> None:
            with np.load(io.BytesIO(content)) as npz:
                for key in npz.files:
                    npz[key]

        rows.append(
            {
                "writer": name,
                "write_s": best_of(write, args.repeats),
                "read_s": best_of(read, args.repeats),
                "mb": len(content) / 1e6,
            }
        )
    print(f"{len(data)} images {data.images.shape[1:]}, best of {args.repeats}")
    print_table(rows)
    save_json(args.out, "image_set_io", {"images": len(data), "rows": rows})


if __name__ == "__main__":
    main()
