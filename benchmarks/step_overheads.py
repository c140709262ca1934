"""Two exact savings on a CPU training step, side by side in one run: the layout layers and
glibc malloc's thresholds.

Each hot loop of `engine_steps.py` (the classifier at batch 128, the GAN's one player, DeepSMOTE's
autoencoder), in bf16 on this machine's CPU, under four settings, each in a fresh process
(malloc's thresholds are process-wide): the networks with plain ``nn.Flatten`` and ``nn.ReLU``
where the layout layers of `synthbalance/models/layout.py` are now, or with them; and malloc
left as glibc sets it (``SYNTHBALANCE_TUNE_MALLOC=0``) or tuned (`training/allocator.py`).
With ``--data`` (a finished run's data folder) it also times the pipeline's own classifier
loop (`training.classifier.train_classifier`: batches drawn from the set, the schedule, the
progress bar) on replicate 0's `none` training set, validation left out: a step of the
pipeline, where the isolated step above runs in a fresh process on a small random set. The
settings alternate, ``--rounds`` times; it prints milliseconds per step (the best round) and
each setting's speed-up over the plain, untuned step; writes step_overheads.json.

    .venv/bin/python benchmarks/step_overheads.py [--rounds 3] [--steps 300] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from _common import PROJECT, in_child, print_table, project_parameters, save_json

LOOPS = ("classifier, batch 128", "gan (one player)", "autoencoder")
SETTINGS = {  # name: (layout layers, malloc tuned)
    "plain, malloc untuned": (False, False),
    "layout layers": (True, False),
    "malloc tuned": (False, True),
    "both (now)": (True, True),
}


PIPELINE = "classifier, the pipeline's loop"


def pipeline_loop(data: str, steps: int) -> float:
    """Seconds per step of ``train_classifier`` on replicate 0's ``none`` set of ``data``."""
    import time

    from classifier_settings import drawn, load

    from synthbalance.config import ClassifierParams
    from synthbalance.training.classifier import train_classifier

    folder = Path(data)
    train = load(folder / "05_model_input/replicate_0/strategies/none.npz")
    validation = drawn(folder, "validation", 0)
    block = project_parameters()["classifier"] | {"steps": steps, "eval_every": 10**9}
    params = ClassifierParams(**block | {"resume": False, "precision": "bf16", "device": "cpu"})
    started = time.perf_counter()
    train_classifier(train, validation, params, 0)
    return (time.perf_counter() - started) / steps


def child(loop: str, layers: bool, steps: int, data: str | None = None) -> float:
    """Seconds per bf16 step of ``loop`` in this process, with or without the layout layers."""
    from torch import nn

    from synthbalance.models import layout

    if not layers:  # the networks are built below: plain layers in their places
        layout.Flatten, layout.ChannelsLastReLU = nn.Flatten, nn.ReLU
    if loop == PIPELINE:
        return pipeline_loop(data, steps)
    from engine_steps import make_loop, seconds_per_step

    from synthbalance.training.engine import Engine

    engine = Engine.of("cpu", "bf16")
    return seconds_per_step(make_loop(loop, engine, project_parameters()), steps, engine.device)


def measure(loop: str, setting: str, steps: int, data: str | None) -> float:
    layers, tuned = SETTINGS[setting]
    env = os.environ | {"SYNTHBALANCE_TUNE_MALLOC": "1" if tuned else "0"}
    return in_child(__file__, [loop, layers, steps, data], env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--data", help="a finished run's data folder: time the pipeline's loop")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()
    if args.child:
        print(child(*json.loads(args.child)))
        return
    loops = LOOPS + ((PIPELINE,) if args.data else ())
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for loop in loops:
            for setting in SETTINGS:
                seconds = measure(loop, setting, args.steps, args.data)
                best[loop, setting] = min(best.get((loop, setting), float("inf")), seconds)
    rows = []
    for loop in loops:
        base = best[loop, "plain, malloc untuned"]
        row = {"loop": loop}
        for setting in SETTINGS:
            row[f"{setting} ms"] = 1000 * best[loop, setting]
        row["speed-up, both"] = base / best[loop, "both (now)"]
        rows.append(row)
    print(f"bf16 on the CPU, the best of {args.rounds} rounds of {args.steps} steps")
    print_table(rows)
    save_json(args.out, "step_overheads", {"rows": rows, "rounds": args.rounds})


if __name__ == "__main__":
    main()
