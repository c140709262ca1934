"""GAN training steps per second with world_size 1 (this process) and 2 (torchrun, DDP).

Two tasks, each with conf/base's GAN parameters (widths 32, batch 64, spectral norm, EMA;
conditional over all classes): scikit-learn's digits (8x8) and MNIST-sized random images
(28x28, 10 classes: their content does not change the cost). The rate is taken from the
history's training seconds (the loop alone); the wall time includes torchrun's start and the
workers' imports. Every run is fresh (resume off, its own checkpoint folder); the two world
sizes alternate over several rounds and the table gives the medians, with the load average
before the first round (anything else running on the machine shows there).

    .venv/bin/python benchmarks/distributed_gan.py [--steps 300] [--rounds 3] [--out ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
import torch
from _common import print_table, project_parameters, save_json  # benchmarks/ is on sys.path

from synthbalance.config import GanParams, IngestParams
from synthbalance.core.images import ImageSet
from synthbalance.pipelines.gan.nodes import train_gan
from synthbalance.pipelines.ingest.nodes import load_dataset


def tasks() -> dict[str, ImageSet]:
    digits, _ = load_dataset(IngestParams(source="digits", download=False), 0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2000, 1, 28, 28), dtype=np.uint8)
    labels = np.repeat(np.arange(10), 200)
    mnist_sized = ImageSet(images, labels, tuple(str(k) for k in range(10)))
    return {"digits 8x8": digits, "random 28x28": mnist_sized}


def run(train: ImageSet, world_size: int, steps: int) -> dict:
    base = project_parameters()["gan"]
    with tempfile.TemporaryDirectory() as folder:
        params = GanParams(
            **{
                **base,
                "classes": list(range(train.num_classes)),
                "steps": steps,
                "checkpoint_dir": folder,
                "resume": False,
                "monitor_images": 0,
                "device": "cpu",
                "world_size": world_size,
            }
        )
        started = time.perf_counter()
        _, history, _, _, _ = train_gan(train, params, 0)
        wall = time.perf_counter() - started
    seconds = float(history["seconds"].iloc[-1])
    return {"world_size": world_size, "steps/s": steps / seconds, "loop s": seconds, "wall s": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    load, rows, runs = os.getloadavg()[0], [], []
    for name, train in tasks().items():
        measured = {1: [], 2: []}
        for _ in range(args.rounds):
            for world_size in measured:
                measured[world_size].append(run(train, world_size, args.steps))
        for world_size, results in measured.items():
            runs += [{"task": name, **r} for r in results]
            rows.append(
                {"task": name, "world_size": world_size}
                | {
                    key: statistics.median(r[key] for r in results)
                    for key in ("steps/s", "loop s", "wall s")
                }
            )
    print(
        f"{torch.get_num_threads()} threads in this process, load average {load:.2f}; "
        f"{args.steps} steps, median of {args.rounds} rounds"
    )
    print_table(rows)
    save_json(
        args.out,
        "distributed_gan",
        {"steps": args.steps, "load_average": load, "rows": rows, "runs": runs},
    )


if __name__ == "__main__":
    main()
