"""GAN throughput per architecture: images/s in training and sampling, and FLOP/s achieved
against this machine's matrix-multiply peak, measured in the same run.

Architectures, each with conf/base's GAN parameters (batch, widths, aids): dcgan (the
default for one-vs-rest), conditional, and the seeds' networks trained by the same step.
FLOPs are counted by torch's FlopCounterMode (matrix multiplies and convolutions, forward and
backward); the peak is the best of several 2048 x 2048 float32 matrix products. 28 x 28 grey
images; their content does not change the cost, so no dataset is needed.

    .venv/bin/python benchmarks/gan_throughput.py [--seconds 5] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import contextlib
import time

import torch
from _common import (  # benchmarks/ is on sys.path when a script runs
    PROJECT,
    print_table,
    project_parameters,
    save_json,
    seeds_architecture,
)
from torch.utils.flop_counter import FlopCounterMode

from synthbalance.config import GanParams
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import torch_generator
from synthbalance.training.gan import setup
from synthbalance.training.gan_loop import gan_step

ARCHITECTURES = {
    "dcgan": ({"architecture": "dcgan"}, contextlib.nullcontext),
    "conditional": ({"architecture": "conditional"}, contextlib.nullcontext),
    "seeds": ({"architecture": "dcgan", "z_dim": 100}, seeds_architecture),
}


def matmul_peak_gflops(size: int = 2048, repeats: int = 5) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best / 1e9


def timed(work, seconds: float) -> float:
    """Seconds per call of ``work``, after a warm-up, over about ``seconds``."""
    for _ in range(5):
        work()
    started, calls = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        work()
        calls += 1
    return (time.perf_counter() - started) / calls


def flops(work) -> int:
    counter = FlopCounterMode(display=False)
    with counter:
        work()
    return counter.get_total_flops()


def measure(name: str, overrides: dict, context, base: dict, seconds: float, peak: float):
    params = GanParams(**{**base, **overrides})
    images = torch.randint(0, 256, (2000, 1, 28, 28), dtype=torch.uint8).numpy()
    labels = torch.cat([torch.zeros(1757), torch.ones(243)]).long().numpy()  # as MNIST's task
    train = ImageSet(images, labels, ("not 5", "5"))
    with context():
        _, _, players = setup(train, params, 0, torch.device("cpu"))
    player, rng = players[0], torch_generator(0, "benchmark")
    autocast = torch.autocast("cpu", enabled=False)

    def step():
        gan_step(
            player, params.batch_size, params.z_dim, params.loss, params.augment, rng, autocast
        )

    sampler, batch = player.ema.module.eval(), 256
    z, y = torch.randn(batch, params.z_dim), torch.ones(batch, dtype=torch.long)
    y = y if name == "conditional" else None

    def sample():
        with torch.inference_mode():
            sampler(z, y)

    step_s, sample_s = timed(step, seconds), timed(sample, seconds)
    step_flops, sample_flops = flops(step), flops(sample)
    return {
        "architecture": name,
        "train_steps_per_s": 1 / step_s,
        "train_images_per_s": params.batch_size / step_s,  # real images through D per second
        "train_mflop_per_step": step_flops / 1e6,
        "train_gflop_per_s": step_flops / step_s / 1e9,
        "train_pct_of_peak": 100 * step_flops / step_s / 1e9 / peak,
        "sample_images_per_s": batch / sample_s,
        "sample_mflop_per_image": sample_flops / batch / 1e6,
        "sample_gflop_per_s": sample_flops / sample_s / 1e9,
        "sample_pct_of_peak": 100 * sample_flops / sample_s / 1e9 / peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    torch.manual_seed(0)
    base = project_parameters()["gan"]
    peak_before = matmul_peak_gflops()
    rows = [
        measure(name, overrides, context, base, args.seconds, peak_before)
        for name, (overrides, context) in ARCHITECTURES.items()
    ]
    peak_after = matmul_peak_gflops()  # the machine may have changed speed meanwhile
    print(
        f"matrix-multiply peak: {peak_before:.1f} GFLOP/s before, {peak_after:.1f} after "
        f"({torch.get_num_threads()} threads, float32)"
    )
    print_table(rows)
    save_json(
        args.out,
        "gan_throughput",
        {
            "matmul_peak_gflops": [round(peak_before, 1), round(peak_after, 1)],
            "threads": torch.get_num_threads(),
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
