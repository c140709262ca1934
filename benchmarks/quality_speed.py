"""Speed of the quality measures: 10,000 synthetic against 10,000 real 28x28 images.

Times each step of scoring one set — embedding, Fréchet distance, KID, precision/recall/
density/coverage, diversity, nearest training image in pixels and in features — on MNIST
images (two disjoint sets of 10,000 stand in for real and synthetic, 10,000 more for the
training images), with an untrained extractor of the default size (speed does not depend
on the weights).

    .venv/bin/python benchmarks/quality_speed.py --mnist data/01_raw/mnist [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from _common import save_json  # benchmarks/ is on sys.path when a script runs

from synthbalance.models.classifier import Classifier
from synthbalance.pipelines.quality import measures
from synthbalance.pipelines.quality.extractor import embed
from synthbalance.sources import read_mnist_like

PROJECT = Path(__file__).parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(PROJECT / "data/01_raw/mnist"))
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    train, _ = read_mnist_like(Path(args.mnist), tuple(map(str, range(10))), None, "MNIST")
    order = np.random.default_rng(0).permutation(len(train))
    real, fake, seen = (train.take(order[i * 10000 : (i + 1) * 10000]) for i in range(3))
    extractor = Classifier("cnn", 1, 28, list(train.class_names), 16, [0]).eval()
    rng = np.random.default_rng(0)
    torch.manual_seed(0)

    timings, started = {}, time.perf_counter()

    def timed(name, work):
        begin = time.perf_counter()
        result = work()
        timings[name] = round(time.perf_counter() - begin, 2)
        return result

    real_f, _ = timed("embed real", lambda: embed(extractor, real.images))
    fake_f, _ = timed("embed synthetic", lambda: embed(extractor, fake.images))
    seen_f, _ = timed("embed training", lambda: embed(extractor, seen.images))
    timed("frechet distance", lambda: measures.frechet_distance(real_f, fake_f))
    timed("kid", lambda: measures.kernel_distance(real_f, fake_f))
    timed(
        "precision/recall/density/coverage",
        lambda: measures.precision_recall_density_coverage(real_f, fake_f, 5),
    )
    timed("diversity", lambda: measures.mean_pairwise_distance(fake_f, 5000, rng))
    flat = lambda s: s.images.reshape(len(s), -1).astype(np.float32)  # noqa: E731
    timed(
        "nearest training image, pixels", lambda: measures.nearest_distances(flat(fake), flat(seen))
    )
    timed("nearest training image, features", lambda: measures.nearest_distances(fake_f, seen_f))
    timings["total"] = round(time.perf_counter() - started, 2)
    for name, seconds in timings.items():
        print(f"{name:<36}{seconds:>8.2f} s")
    save_json(args.out, "quality_speed", timings)


if __name__ == "__main__":
    main()
