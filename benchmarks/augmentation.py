"""The `augment` strategy's augmentation a batch at a time (the project's, since issue 30) and
per image through torchvision (the project's before; kept here as the reference), side by
side: seconds to build each replicate's training set, and the test scores of the classifiers
trained on them.

The batched way (synthbalance/core/augmentation.py) draws each image's rotation, whole-pixel shift,
scale and brightness from a numpy generator and applies them to the batch at once
(``affine_grid`` + ``grid_sample``, nearest-neighbour, the inverse map torchvision's
``RandomAffine`` computes). Issue 18 measured it 20x faster and kept the per-image transforms
under its 0.3-point rule; issue 30's benchmark (honest_cost.py) judges it with intervals, and
docs/index.md has both figures.

Reads a finished default run's data folder (the imbalanced training set, each replicate's
synthetic set, the validation and test sets); builds `augment`'s training set of every
replicate each way from the same seed stream (and the batched way once more from the next
seed: how much two draws of one way differ), trains the default classifier on each (the
replicates together, as the pipeline does) and prints seconds, test balanced accuracy and
minority F1. The project's sets are checked against the ones the run saved, byte for byte
(they equal only when the run was made by this version).

    .venv/bin/python benchmarks/augmentation.py --data DIR [--replicates 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from _common import PROJECT, print_table, project_parameters, save_json
from classifier_settings import drawn, load
from torchvision.transforms import v2

from synthbalance import strategies as registry
from synthbalance.config import ClassifierParams, StrategiesParams
from synthbalance.core.augmentation import augment_images
from synthbalance.core.metrics import classification_metrics
from synthbalance.core.seeding import replicate_seed
from synthbalance.pipelines.strategies.nodes import build_train_set
from synthbalance.training.classifier import probabilities
from synthbalance.training.replicates import train_replicates


def per_image(images: np.ndarray, params, seed: int) -> np.ndarray:
    """uint8 (N, C, H, W) -> the same, each image through torchvision's transforms v2 (the
    project's augmentation before issue 30)."""
    transform = v2.Compose(
        [
            v2.RandomAffine(params.rotation, (params.translate,) * 2, params.scale),
            v2.ColorJitter(brightness=params.brightness),
            v2.RandomHorizontalFlip(0.5 if params.horizontal_flip else 0.0),
        ]
    )
    with torch.random.fork_rng(devices=[]):  # v2 draws from torch's global generator
        torch.manual_seed(seed)
        return torch.stack(
            [transform(image) for image in torch.from_numpy(np.array(images))]
        ).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a finished run's data folder")
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    base = project_parameters()
    params = StrategiesParams(**base["strategies"])
    classifier = ClassifierParams(**{**base["classifier"], "resume": False})
    data = Path(args.data)
    trains = [drawn(data, "train_imbalanced", r) for r in range(args.replicates)]
    validations = [drawn(data, "validation", r) for r in range(args.replicates)]
    test = load(data / "03_primary/test_set.npz")
    rows, saved_equal = [], []
    ways = {
        "batched (the project's)": augment_images,
        "per image (torchvision)": per_image,
        "batched, next seed": lambda images, p, seed: augment_images(images, p, seed + 1),
    }
    for way, augment in ways.items():
        patch = mock.patch.object(registry, "augment_images", augment)
        sets, seconds = [], 0.0
        with patch:
            for r in range(args.replicates):
                synthetic = load(data / f"05_model_input/replicate_{r}/synthetic.npz")
                started = time.perf_counter()
                sets.append(
                    build_train_set(
                        params,
                        replicate_seed(base["seed"], r),
                        "augment",
                        train_imbalanced=trains[r],
                        synthetic=synthetic,
                    )
                )
                seconds += time.perf_counter() - started
                if augment is augment_images:
                    kept = load(data / f"05_model_input/replicate_{r}/strategies/augment.npz")
                    saved_equal.append(bool(np.array_equal(kept.images, sets[-1].images)))
        rare = sorted(int(c) for c in np.flatnonzero(synthetic.class_counts()))
        network, _ = train_replicates(sets, validations, classifier, base["seed"])
        scores = [
            classification_metrics(
                test.labels, probabilities(network, r, test.images), list(test.class_names), rare
            )
            for r in range(len(sets))
        ]
        rows.append(
            {
                "augmentation": way,
                "build_s": seconds,
                "bal_acc": np.mean([s["test_balanced_accuracy"] for s in scores]),
                "minority_f1": np.mean([s["test_minority_f1"] for s in scores]),
                "per_replicate": " ".join(f"{s['test_balanced_accuracy']:.4f}" for s in scores),
            }
        )
    print(
        f"{args.replicates} replicates; build_s: all of them; the project's way equals the "
        f"run's saved sets: {saved_equal}"
    )
    print_table(rows)
    save_json(args.out, "augmentation", {"rows": rows, "project_equals_saved": saved_equal})


if __name__ == "__main__":
    main()
