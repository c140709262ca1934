"""One training step of each hot loop in float32 and in bf16 autocast, side by side in one run.

The classifier (conf/base's network, at the batch sizes before and after issue 30, and at 128
in the textbook order, each ReLU before its max pooling, as it ran before), the GAN
(conf/base's, on a task shaped like MNIST's fives) and DeepSMOTE's autoencoder (conf/base's),
each timed in fp32 and in bf16 in alternation (``--rounds`` times), on the default threads of
this machine's CPU, or on CUDA with ``--device cuda``. Prints milliseconds per step (the best
round), images per second and the bf16 speed-up; writes engine_steps.json.

On the CPU it also times the precision ``precision: auto`` picks here (bf16 where the CPU
has it, else fp32) on one thread, and two one-thread processes at once (what replicates or
strategies as processes could give on this machine, issue 30's fifth lever): their combined
steps per second, as milliseconds per step. ``--precisions fp32`` skips bf16 in one process
(on a CPU without bf16 it is emulated, and slow).

    .venv/bin/python benchmarks/engine_steps.py [--rounds 2] [--steps 40] [--device cpu]
        [--loops classifier] [--precisions fp32,bf16]
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

from synthbalance.config import GanParams
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import torch_generator
from synthbalance.models.autoencoder import Autoencoder
from synthbalance.models.classifier import Classifier
from synthbalance.models.pixels import to_unit
from synthbalance.training.engine import Engine
from synthbalance.training.gan import setup
from synthbalance.training.gan_loop import gan_step

IMAGES = torch.randint(0, 256, (2000, 1, 28, 28), dtype=torch.uint8)
LABELS = torch.from_numpy(np.r_[np.zeros(1757, np.int64), np.ones(243, np.int64)])


def relu_first(net: torch.nn.Sequential) -> None:
    """Move each max pooling after the ReLU that follows it: the textbook order, and the
    project's until pooling first proved the same weights for less work."""
    layers = list(net)
    for i in range(len(layers) - 1):
        if isinstance(layers[i], torch.nn.MaxPool2d) and isinstance(layers[i + 1], torch.nn.ReLU):
            net[i], net[i + 1] = layers[i + 1], layers[i]


def classifier_step(engine: Engine, batch: int, width: int, textbook: bool = False):
    net = Classifier("cnn", 1, 28, ["not 5", "5"], width, [0]).to(engine.device)
    if textbook:
        relu_first(net.nets["0"])
    optimiser = torch.optim.Adam(net.parameters(), 1e-3)
    images, labels = IMAGES.to(engine.device), LABELS.to(engine.device)
    rng = torch.Generator(engine.device).manual_seed(0)

    def step() -> None:
        index = torch.randint(len(images), (batch,), generator=rng, device=engine.device)
        with engine.autocast():
            loss = F.cross_entropy(net(to_unit(images[index]), 0), labels[index])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    return step


def gan_training_step(engine: Engine, parameters: dict):
    params = GanParams(**{**parameters["gan"], "architecture": "dcgan"})
    train = ImageSet(IMAGES.numpy(), LABELS.numpy(), ("not 5", "5"))
    _, _, players = setup(train, params, 0, engine.device)
    player, rng = players[0], torch_generator(0, "benchmark", engine.device)
    return lambda: gan_step(
        player, params.batch_size, params.z_dim, params.loss, [], rng, engine.autocast()
    )


def autoencoder_step(engine: Engine, parameters: dict):
    deepsmote = parameters["strategies"]["deepsmote"]
    model = Autoencoder(deepsmote["code"], deepsmote["width"], 1, 28, ["not 5", "5"])
    model.to(engine.device, memory_format=torch.channels_last)
    optimiser = torch.optim.Adam(model.parameters(), deepsmote["lr"])
    batch = to_unit(IMAGES[: deepsmote["batch_size"]].to(engine.device))

    def step() -> None:
        with engine.autocast():
            loss = F.mse_loss(model(batch).float(), batch)
            with torch.no_grad():
                codes = model.encode(batch)
            loss = loss + F.mse_loss(model.decode(codes.roll(1, 0)).float(), batch.roll(1, 0))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    return step


def seconds_per_step(step, steps: int, device: torch.device) -> float:
    for _ in range(5):  # warm-up: oneDNN picks its kernels on the first calls
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - started) / steps


def make_loop(name: str, engine: Engine, parameters: dict):
    """The step of loop ``name`` (a key of ``LOOPS``) on ``engine``."""
    if name.startswith("classifier"):
        return classifier_step(engine, LOOPS[name](parameters), 16, "ReLU first" in name)
    if name.startswith("gan"):
        return gan_training_step(engine, parameters)
    return autoencoder_step(engine, parameters)


LOOPS = {  # name: its batch size, from the project's parameters
    "classifier, batch 128": lambda parameters: 128,
    "classifier, batch 128, ReLU first": lambda parameters: 128,
    "classifier, batch 256": lambda parameters: 256,
    "gan (one player)": lambda parameters: parameters["gan"]["batch_size"],
    "autoencoder": lambda parameters: parameters["strategies"]["deepsmote"]["batch_size"],
}


def one_thread(name: str, steps: int, precision: str) -> float:
    """Seconds per step of loop ``name`` on one thread (run in a process of its own)."""
    torch.set_num_threads(1)
    engine = Engine.of("cpu", precision)
    return seconds_per_step(make_loop(name, engine, project_parameters()), steps, engine.device)


def in_processes(name: str, steps: int, processes: int, precision: str) -> float:
    """Milliseconds per step of ``processes`` one-thread processes running loop ``name`` at
    once (their combined rate)."""
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        each = list(
            pool.map(one_thread, [name] * processes, [steps] * processes, [precision] * processes)
        )
    return 1000 / sum(1 / s for s in each)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--loops", default="", help="only the loops whose names start so")
    parser.add_argument("--precisions", default="fp32,bf16", help="timed in one process")
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()
    parameters = project_parameters()
    cpu = torch.device(args.device).type == "cpu"
    precisions = args.precisions.split(",")
    alone = Engine.of("cpu", "auto").precision  # what `precision: auto` trains in here
    best: dict[tuple[str, str], float] = {}
    loops = {name: batch for name, batch in LOOPS.items() if name.startswith(args.loops)}
    for _ in range(args.rounds):
        for name in loops:
            for precision in precisions:
                engine = Engine.of(args.device, precision)
                step = make_loop(name, engine, parameters)
                seconds = seconds_per_step(step, args.steps, engine.device)
                key = (name, precision)
                best[key] = min(best.get(key, float("inf")), seconds)
            if cpu:
                for key, processes in (("1 thread", 1), ("two", 2)):
                    ms = in_processes(name, args.steps, processes, alone)
                    best[name, key] = min(best.get((name, key), float("inf")), ms)
    rows = []
    for name, batch_of in loops.items():
        batch = batch_of(parameters)
        row = {"loop": name}
        for precision in precisions:
            row[f"{precision} ms"] = 1000 * best[name, precision]
            row[f"{precision} img/s"] = batch / best[name, precision]
        if {"fp32", "bf16"} <= set(precisions):
            row["speed-up"] = best[name, "fp32"] / best[name, "bf16"]
        if cpu:
            row[f"{alone} ms, 1 thread"] = best[name, "1 thread"]
            row[f"{alone} ms, two 1-thread processes"] = best[name, "two"]
            if alone in precisions:
                row["two processes / one"] = 1000 * best[name, alone] / best[name, "two"]
        rows.append(row)
    print(f"{Engine.of(args.device, precisions[-1]).describe()}, {torch.get_num_threads()} threads")
    print_table(rows)
    save_json(args.out, "engine_steps", {"rows": rows, "threads": torch.get_num_threads()})


if __name__ == "__main__":
    main()
