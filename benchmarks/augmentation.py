"""The `augment` strategy's augmentation, per image (torchvision v2, before issue 18) and a
batch at a time (``synthbalance.augmentation``), side by side: seconds to build each
replicate's training set, and the test scores of the classifiers trained on them.

Reads a finished default run's data folder (the imbalanced training set, each replicate's
synthetic set, the validation and test sets); builds `augment`'s training set of every
replicate both ways from the same seed stream, trains the default classifier on each (the
replicates together, as the pipeline does) and prints seconds, test balanced accuracy and
minority F1. The per-image way is the old code, kept here only to compare with: its sets
equal the ones that run saved, byte for byte, when that run predates the change.

    .venv/bin/python benchmarks/augmentation.py --data DIR [--replicates 3]
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from _common import PROJECT, print_table, project_parameters, save_json
from classifier_settings import load
from torchvision.transforms import v2

from synthbalance import strategies as registry
from synthbalance.config import ClassifierParams, StrategiesParams
from synthbalance.metrics import classification_metrics
from synthbalance.pipelines.strategies.nodes import build_train_set
from synthbalance.seeding import replicate_seed
from synthbalance.training.classifier import probabilities, train_replicates


def per_image(images: np.ndarray, params, seed: int) -> np.ndarray:
    """The augmentation before issue 18: torchvision v2, one image at a time."""
    transform = v2.Compose([
        v2.RandomAffine(params.rotation, (params.translate,) * 2, params.scale),
        v2.ColorJitter(brightness=params.brightness),
        v2.RandomHorizontalFlip(0.5 if params.horizontal_flip else 0.0),
    ])  # fmt: skip
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        batch = torch.from_numpy(np.array(images))
        return torch.stack([transform(image) for image in batch]).numpy()


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
    train = load(data / "05_model_input/train_imbalanced.npz")
    validation = load(data / "05_model_input/validation.npz")
    test = load(data / "03_primary/test_set.npz")
    rows, saved_equal = [], []
    for way in ("per image", "batched"):
        patch = (mock.patch.object(registry, "augment_images", per_image) if way == "per image"
                 else contextlib.nullcontext())  # fmt: skip
        sets, seconds = [], 0.0
        with patch:
            for r in range(args.replicates):
                synthetic = load(data / f"05_model_input/replicate_{r}/synthetic.npz")
                started = time.perf_counter()
                sets.append(build_train_set(params, replicate_seed(base["seed"], r), "augment",
                                            train_imbalanced=train, synthetic=synthetic))
                seconds += time.perf_counter() - started
                if way == "per image":
                    kept = load(data / f"05_model_input/replicate_{r}/strategies/augment.npz")
                    saved_equal.append(bool(np.array_equal(kept.images, sets[-1].images)))
        rare = sorted(int(c) for c in np.flatnonzero(synthetic.class_counts()))
        network, _ = train_replicates(sets, [validation] * len(sets), classifier, base["seed"])
        scores = [classification_metrics(test.labels, probabilities(network, r, test.images),
                                         list(test.class_names), rare) for r in range(len(sets))]
        rows.append({"augmentation": way, "build_s": seconds,
                     "bal_acc": np.mean([s["test_balanced_accuracy"] for s in scores]),
                     "minority_f1": np.mean([s["test_minority_f1"] for s in scores]),
                     "per_replicate": " ".join(f"{s['test_balanced_accuracy']:.4f}"
                                               for s in scores)})  # fmt: skip
    print(f"{args.replicates} replicates; build_s: all of them; per image equals the run's saved "
          f"sets: {saved_equal}")  # fmt: skip
    print_table(rows)
    save_json(args.out, "augmentation", {"rows": rows, "per_image_equals_saved": saved_equal})


if __name__ == "__main__":
    main()
