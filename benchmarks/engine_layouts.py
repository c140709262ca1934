"""Each hot loop's training step channels-last (NHWC, as the project runs) against NCHW, in the
precision the engine picks on this machine, side by side in one run.

The networks run channels-last because that was the faster layout where it was chosen (bf16 on
a Xeon with AMX: `classifier_layout.py`). On a CPU without native bf16 the engine trains in
float32 (`auto`), through other oneDNN kernels; this checks the choice there. Each step of
`engine_steps.py` (the classifier at batch 128, the GAN's one player, DeepSMOTE's autoencoder)
runs in a process of its own per layout, the layouts alternating ``--rounds`` times. The
project's code asks for ``torch.channels_last`` when it runs; the NCHW process replaces it with
``torch.contiguous_format`` before anything is built, so every network, input and layout layer
stays NCHW. Prints milliseconds per step (the best round) and the NCHW / NHWC ratio; writes
engine_layouts.json.

    .venv/bin/python benchmarks/engine_layouts.py [--rounds 2] [--steps 100] [--precision auto]
"""

from __future__ import annotations

import argparse
import json

from _common import PROJECT, in_child, print_table, project_parameters, save_json

LOOPS = ("classifier, batch 128", "gan (one player)", "autoencoder")
LAYOUTS = ("nhwc", "nchw")


def child(loop: str, layout: str, steps: int, precision: str) -> float:
    """Seconds per step of ``loop`` in this process, in ``layout``."""
    import torch

    if layout == "nchw":
        torch.channels_last = torch.contiguous_format
    from engine_steps import make_loop, seconds_per_step

    from synthbalance.training.engine import Engine

    engine = Engine.of("cpu", precision)
    return seconds_per_step(make_loop(loop, engine, project_parameters()), steps, engine.device)


def measure(loop: str, layout: str, steps: int, precision: str) -> float:
    return in_child(__file__, [loop, layout, steps, precision])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()
    if args.child:
        print(child(*json.loads(args.child)))
        return
    from synthbalance.training.engine import Engine

    engine = Engine.of("cpu", args.precision).describe()
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for loop in LOOPS:
            for layout in LAYOUTS:
                seconds = measure(loop, layout, args.steps, args.precision)
                best[loop, layout] = min(best.get((loop, layout), float("inf")), seconds)
    rows = [
        {
            "loop": loop,
            "NHWC ms (now)": 1000 * best[loop, "nhwc"],
            "NCHW ms": 1000 * best[loop, "nchw"],
            "NCHW / NHWC": best[loop, "nchw"] / best[loop, "nhwc"],
        }
        for loop in LOOPS
    ]
    print(f"{engine}; the best of {args.rounds} rounds of {args.steps} steps")
    print_table(rows)
    save_json(args.out, "engine_layouts", {"engine": engine, "rows": rows, "rounds": args.rounds})


if __name__ == "__main__":
    main()
