"""The default run's arithmetic floor: how long its three hot loops must take on this machine.

For each loop that the default `kedro run --pipelines balance` repeats thousands of times
(the classifier's training step, the GAN's, DeepSMOTE's autoencoder's; conf/base's settings,
28 x 28 grey images), in one run:

- its FLOPs per step (torch's FlopCounterMode: matrix products and convolutions, forward and
  backward) and its time per step: eager on the default threads, eager on one thread, two
  one-thread processes at once (what running two nodes side by side could give), and under
  ``torch.compile`` (inductor, the default threads);
- the steps a default run takes (``--gan-steps``: where the stopping rule ended each
  replicate's GAN; 3,250, 4,750 and 5,000 in the run README quotes), so the seconds the loop
  costs as measured and what it would cost at 100% and at 60% of the matrix-multiply peak
  (the best 2048 x 2048 float32 product, before and after).

    .venv/bin/python benchmarks/run_floor.py [--seconds 4] [--gan-steps 3250,4750,5000]
        [--no-compile] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import torch
import torch.nn.functional as F
from _common import PROJECT, print_table, project_parameters, save_json
from classifier_throughput import alone
from gan_throughput import flops, matmul_peak_gflops, timed

from synthbalance.config import GanParams
from synthbalance.config.strategies import DeepSmoteParams
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import torch_generator
from synthbalance.models.autoencoder import Autoencoder
from synthbalance.models.pixels import to_unit
from synthbalance.strategies import REGISTRY
from synthbalance.training.gan import setup
from synthbalance.training.gan_loop import gan_step

LOOPS = ("classifier", "gan", "autoencoder")


def classifier_step(parameters: dict, compiled: bool):
    params = parameters["classifier"]
    return alone(params["batch_size"], params["width"], params["lr"], compiled)


def gan_training_step(parameters: dict, compiled: bool):
    params = GanParams(**{**parameters["gan"], "architecture": "dcgan"})
    images = torch.randint(0, 256, (2000, 1, 28, 28), dtype=torch.uint8).numpy()
    labels = np.r_[np.zeros(1757, np.int64), np.ones(243, np.int64)]  # as MNIST's task
    _, _, players = setup(ImageSet(images, labels, ("not 5", "5")), params, 0, torch.device("cpu"))
    player, rng = players[0], torch_generator(0, "benchmark")
    if compiled:
        player.generator = torch.compile(player.generator)
        player.discriminator = torch.compile(player.discriminator)
    autocast = torch.autocast("cpu", enabled=False)

    def step():
        gan_step(
            player, params.batch_size, params.z_dim, params.loss, params.augment, rng, autocast
        )

    return step


def autoencoder_step(parameters: dict, compiled: bool):
    """train_autoencoder's step body (synthbalance.training.deepsmote) on random images."""
    params = DeepSmoteParams(**parameters["strategies"]["deepsmote"])
    net = Autoencoder(params.code, params.width, 1, 28, ["not 5", "5"])
    net.to(memory_format=torch.channels_last).train()
    model = torch.compile(net) if compiled else net
    optimiser = torch.optim.Adam(net.parameters(), params.lr)
    batch = to_unit(torch.randint(0, 256, (params.batch_size, 1, 28, 28), dtype=torch.uint8))
    one_class = to_unit(
        torch.randint(0, 256, (params.penalty_images, 1, 28, 28), dtype=torch.uint8)
    )
    shift = torch.roll(torch.arange(len(one_class)), -1)

    def step():
        reconstruction = F.mse_loss(model(batch), batch)
        with torch.no_grad():
            codes = net.encode(one_class)
        penalty = F.mse_loss(net.decode(codes[shift]), one_class[shift])
        optimiser.zero_grad(set_to_none=True)
        (reconstruction + penalty).backward()
        optimiser.step()

    return step


BUILDERS = {
    "classifier": classifier_step,
    "gan": gan_training_step,
    "autoencoder": autoencoder_step,
}


def seconds_per_step(loop: str, threads: int, seconds: float, compiled: bool = False):
    """(seconds per step, seconds spent compiling) of ``loop`` on ``threads`` threads."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    step = BUILDERS[loop](project_parameters(), compiled)
    started = time.perf_counter()
    step()  # the first call compiles, when compiled
    first = time.perf_counter() - started
    return timed(step, seconds), first


def two_at_once(loop: str, seconds: float) -> float:
    """Steps per second of two one-thread processes running ``loop`` at the same time."""
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        each = list(pool.map(seconds_per_step, [loop] * 2, [1] * 2, [seconds] * 2))
    return sum(1 / s for s, _ in each)


def steps_per_run(parameters: dict, gan_steps: list[int]) -> dict[str, int]:
    replicates = parameters["replicates"]
    trained = [s for s in parameters["strategies"]["run"] if REGISTRY[s].adjusts is None]
    classifier = len(trained) * replicates * parameters["classifier"]["steps"]
    classifier += parameters["quality"]["extractor"]["steps"]  # the feature extractor, once
    autoencoder = replicates * parameters["strategies"]["deepsmote"]["steps"]
    return {"classifier": classifier, "gan": sum(gan_steps), "autoencoder": autoencoder}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--gan-steps", default="3250,4750,5000")
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    parameters, threads = project_parameters(), torch.get_num_threads()
    steps = steps_per_run(parameters, [int(s) for s in args.gan_steps.split(",")])
    peak_before = matmul_peak_gflops()
    rows = []
    for loop in LOOPS:
        torch.manual_seed(0)
        work = flops(BUILDERS[loop](parameters, False))
        eager, _ = seconds_per_step(loop, threads, args.seconds)
        single, _ = seconds_per_step(loop, 1, args.seconds)
        pair = two_at_once(loop, args.seconds)
        compiled, compiling = (
            (float("nan"), float("nan"))
            if args.no_compile
            else seconds_per_step(loop, threads, args.seconds, compiled=True)
        )
        torch.set_num_threads(threads)
        rows.append(
            {
                "loop": loop,
                "mflop_per_step": work / 1e6,
                "ms_eager": 1000 * eager,
                "pct_of_peak": 100 * work / eager / 1e9 / peak_before,
                "ms_1_thread": 1000 * single,
                "ms_two_procs": 1000 / pair,
                "ms_compiled": 1000 * compiled,
                "compile_s": compiling,
                "steps_in_run": steps[loop],
                "run_s_eager": steps[loop] * eager,
                "run_s_two_procs": steps[loop] / pair,
                "run_s_at_peak": steps[loop] * work / 1e9 / peak_before,
                "run_s_at_60pct": steps[loop] * work / 1e9 / peak_before / 0.6,
            }
        )
    peak_after = matmul_peak_gflops()
    print(
        f"matrix-multiply peak: {peak_before:.1f} GFLOP/s before, {peak_after:.1f} after "
        f"({threads} threads, float32); ms_two_procs is the time per step of the pair's "
        f"combined rate"
    )
    print_table(rows)
    totals = {k: sum(r[k] for r in rows) for k in rows[0] if k.startswith("run_s")}
    print(
        "\nthe three loops in one default run, seconds: "
        + ", ".join(f"{k[6:]} {v:.0f}" for k, v in totals.items())
        + " (the issue's goal: the whole run in 600)"
    )
    save_json(
        args.out,
        "run_floor",
        {
            "matmul_peak_gflops": [round(peak_before, 1), round(peak_after, 1)],
            "threads": threads,
            "rows": rows,
            "totals": totals,
        },
    )


if __name__ == "__main__":
    main()
