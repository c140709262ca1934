"""GAN-stage benchmark on MNIST with the project's default parameters.

Prints, and writes as JSON: the GAN stage's wall time, sampling speed, how recognisable the
synthetic images of the rare class are to a CNN trained on the full real MNIST train split,
and the generator's cost per image against the seeds' reference generator.

    .venv/bin/python benchmarks/gan_stage.py --mnist data/01_raw/mnist [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _common import save_json  # benchmarks/ is on sys.path when a script runs
from kedro.config import OmegaConfigLoader
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from synthbalance.pipelines.gan.nodes import GanParams, train_gan
from synthbalance.pipelines.imbalance.nodes import (
    ImbalanceParams,
    label_for_task,
    make_imbalanced,
    split_validation,
)
from synthbalance.pipelines.ingest.nodes import IngestParams, load_dataset
from synthbalance.pipelines.sample.nodes import SampleParams, sample_synthetic

PROJECT = Path(__file__).parents[1]


def reference_classifier() -> nn.Module:
    """A small CNN for 28x28 digits: about 99% test accuracy after two epochs."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, 32, 14, 14)
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, 64, 7, 7)
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip


def to_unit(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(images)).float() / 127.5 - 1


def fit_reference(train, epochs: int = 2, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    model, x, y = (
        reference_classifier(),
        to_unit(train.images),
        torch.from_numpy(np.array(train.labels)),
    )
    optimiser = torch.optim.Adam(model.parameters(), 1e-3)
    for _ in range(epochs):
        for batch in torch.randperm(len(x)).split(128):
            loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return model.eval()


@torch.inference_mode()
def predict(model: nn.Module, images: np.ndarray) -> np.ndarray:
    return torch.cat([model(b).argmax(1) for b in to_unit(images).split(2048)]).numpy()


def seeds_generator(z_dim: int = 100) -> nn.Module:
    """The seeds' generator: dense -> 7x7x128, 5x5 transposed convolutions 128/64/32/1."""
    return nn.Sequential(
        nn.Linear(z_dim, 7 * 7 * 128, bias=False), nn.Unflatten(1, (128, 7, 7)),
        nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(128, 128, 5, 1, 2, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False),  # (N, 64, 14, 14)
        nn.BatchNorm2d(64), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(64, 32, 5, 2, 2, output_padding=1, bias=False),  # (N, 32, 28, 28)
        nn.BatchNorm2d(32), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(32, 1, 5, 1, 2), nn.Tanh(),  # (N, 1, 28, 28)
    ).eval()  # fmt: skip


def flops_per_image(forward, batch: int = 64) -> float:
    counter = FlopCounterMode(display=False)
    with counter, torch.inference_mode():
        forward(batch)
    return counter.get_total_flops() / batch


@torch.inference_mode()
def images_per_second(forward, batch: int = 256, seconds: float = 3.0) -> float:
    warm_until = time.perf_counter() + 1.0  # the first calls pay for allocation
    while time.perf_counter() < warm_until:
        forward(batch)
    started, count = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        forward(batch)
        count += batch
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(PROJECT / "data/01_raw/mnist"))
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    parser.add_argument("--gan", default="{}", help="JSON overrides of the gan parameters")
    args = parser.parse_args()

    params = OmegaConfigLoader(str(PROJECT / "conf"), base_env="base", default_run_env="base")[
        "parameters"
    ]
    seed = params["seed"]
    ingest = IngestParams(**{**params["ingest"], "source": "mnist", "folder": args.mnist,
                             "download": False})  # fmt: skip
    imbalance = ImbalanceParams(**params["imbalance"])
    raw_train, raw_test = load_dataset(ingest, seed)
    full = label_for_task(raw_train, imbalance)
    train, _ = split_validation(make_imbalanced(full, imbalance, seed), imbalance, seed)

    with tempfile.TemporaryDirectory() as checkpoints:
        gan = GanParams(**{**params["gan"], "checkpoint_dir": checkpoints, **json.loads(args.gan)})
        started = time.perf_counter()
        generator, history, _ = train_gan(train, gan, seed)
        gan_seconds = time.perf_counter() - started
    sample = SampleParams(**params["sample"])
    started = time.perf_counter()
    synthetic, _, _ = sample_synthetic(generator, train, sample, seed)
    sample_seconds = time.perf_counter() - started

    reference = fit_reference(raw_train, seed=seed)
    test_accuracy = float((predict(reference, raw_test.images) == raw_test.labels).mean())
    rare = [int(label) for label in np.unique(synthetic.labels)]
    # The task's label of the rare class -> its digit in the original ten classes.
    digit = {label: int(raw_train.class_index(full.class_names[label])) for label in rare}
    recognised = {
        full.class_names[label]: float(
            (predict(reference, synthetic.images[synthetic.labels == label]) == digit[label]).mean()
        )
        for label in rare
    }

    label = torch.tensor([rare[0]])
    ours = lambda n: generator(torch.randn(n, generator.z_dim), label.repeat(n))  # noqa: E731
    seeds = seeds_generator()
    theirs = lambda n: seeds(torch.randn(n, 100))  # noqa: E731
    results = {
        "device": "cpu", "threads": torch.get_num_threads(),
        "gan_steps": gan.steps, "gan_seconds": round(gan_seconds, 1),
        "gan_steps_per_second": round(gan.steps / gan_seconds, 1),
        "synthetic_images": len(synthetic), "sample_seconds": round(sample_seconds, 2),
        "sample_images_per_second": round(len(synthetic) / sample_seconds),
        "generator_images_per_second": round(images_per_second(ours)),
        "generator_mflop_per_image": round(flops_per_image(ours) / 1e6, 2),
        "seeds_generator_images_per_second": round(images_per_second(theirs)),
        "seeds_generator_mflop_per_image": round(flops_per_image(theirs) / 1e6, 1),
        "reference_test_accuracy": round(test_accuracy, 4),
        "recognised_as_intended_class": {k: round(v, 4) for k, v in recognised.items()},
        "final_d_real": round(float(history["d_real"].iloc[-1]), 3),
        "final_d_fake": round(float(history["d_fake"].iloc[-1]), 3),
    }  # fmt: skip
    width = max(map(len, results))
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
    save_json(args.out, "gan_stage", results)


if __name__ == "__main__":
    main()
