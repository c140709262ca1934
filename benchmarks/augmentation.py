"""The `augment` strategy's augmentation, per image (torchvision v2, the project's) and a batch
at a time (a candidate, here only), side by side: seconds to build each replicate's training
set, and the test scores of the classifiers trained on them.

The batched candidate draws each image's rotation, whole-pixel shift, scale and brightness
from a numpy generator and applies them to the batch at once (``affine_grid`` +
``grid_sample``, nearest-neighbour, the inverse map torchvision's ``RandomAffine`` computes).
Issue 18 measured it 20x faster, but its other random draws moved `augment`'s score by more
than the issue allows (and the verdict's words with it), so the project keeps the per-image
transforms; docs/index.md (Benchmarks) has the figures.

Reads a finished default run's data folder (the imbalanced training set, each replicate's
synthetic set, the validation and test sets); builds `augment`'s training set of every
replicate both ways from the same seed stream (and the per-image way once more from the next
seed: how much two draws of one way differ), trains the default classifier on each (the
replicates together, as the pipeline does) and prints seconds, test balanced accuracy and
minority F1. The per-image sets are checked against the ones the run saved, byte for byte.

    .venv/bin/python benchmarks/augmentation.py --data DIR [--replicates 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from unittest import mock

import numpy as np
import torch
import torch.nn.functional as F
from _common import PROJECT, print_table, project_parameters, save_json
from classifier_settings import load

from synthbalance import strategies as registry
from synthbalance.config import ClassifierParams, StrategiesParams
from synthbalance.metrics import classification_metrics
from synthbalance.pipelines.strategies.nodes import build_train_set
from synthbalance.seeding import replicate_seed
from synthbalance.strategies import augment_images
from synthbalance.training.classifier import probabilities, train_replicates

_CHUNK = 4096  # images transformed per call: bounds the float copies' memory


def draw(count: int, size: tuple[int, int], params,
         rng: np.random.Generator) -> dict[str, np.ndarray]:  # fmt: skip
    """Per-image transform parameters: angle (degrees), shift (dx, dy in whole pixels, as
    torchvision rounds them), scale, brightness factor, flip."""
    height, width = size
    most = np.array([params.translate * width, params.translate * height])
    low, high = params.scale
    return {
        "angle": rng.uniform(-params.rotation, params.rotation, count),
        "shift": np.round(rng.uniform(-most, most, (count, 2))),
        "scale": rng.uniform(low, high, count),
        "brightness": rng.uniform(max(0.0, 1 - params.brightness), 1 + params.brightness, count),
        "flip": rng.random(count) < (0.5 if params.horizontal_flip else 0.0),
    }


def _inverse_maps(angle, shift, scale, height: int, width: int) -> torch.Tensor:
    """(N, 2, 3) maps from output to input positions in ``affine_grid``'s normalised
    coordinates, for the transform: scale and rotate about the centre, then shift."""
    radians = np.deg2rad(angle)
    cos, sin = np.cos(radians) / scale, np.sin(radians) / scale
    # the inverse of scale * rotation, in pixel coordinates centred on the image (y down)
    inverse = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)  # (N, 2, 2)
    to_unit = np.array([2 / width, 2 / height])  # pixels -> normalised, per axis
    linear = inverse * to_unit[None, :, None] / to_unit[None, None, :]
    offset = -np.einsum("nij,nj->ni", linear, shift * to_unit)
    return torch.from_numpy(np.concatenate([linear, offset[..., None]], -1)).float()


def transform(images: np.ndarray, drawn: dict[str, np.ndarray]) -> np.ndarray:
    """uint8 (N, C, H, W) with the transforms ``drawn`` (``draw``'s fields) applied."""
    count, _, height, width = images.shape
    out = np.empty_like(images)
    for start in range(0, count, _CHUNK):
        part = slice(start, start + _CHUNK)
        batch = torch.from_numpy(np.array(images[part], dtype=np.float32))  # a copy: writable
        maps = _inverse_maps(drawn["angle"][part], drawn["shift"][part], drawn["scale"][part],
                             height, width)  # fmt: skip
        grid = F.affine_grid(maps, list(batch.shape), align_corners=False)
        moved = F.grid_sample(batch, grid, mode="nearest", padding_mode="zeros",
                              align_corners=False)  # fmt: skip
        factor = torch.from_numpy(drawn["brightness"][part]).float()[:, None, None, None]
        bright = (moved * factor).clamp_(0, 255)  # brightness: a blend with black
        flip = torch.from_numpy(drawn["flip"][part])
        bright[flip] = bright[flip].flip(-1)
        out[part] = bright.to(torch.uint8).numpy()  # truncated, as torchvision's blend
    return out


def batched(images: np.ndarray, params, seed: int) -> np.ndarray:
    """uint8 (N, C, H, W) -> the same, each image with its own random transform from
    ``seed``."""
    drawn = draw(len(images), images.shape[2:], params, np.random.default_rng(seed))
    return transform(np.asarray(images), drawn)


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
    ways = {"per image": augment_images, "batched": batched,
            "per image, next seed": lambda images, p, seed: augment_images(images, p, seed + 1)}
    for way, augment in ways.items():
        patch = mock.patch.object(registry, "augment_images", augment)
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
