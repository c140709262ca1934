"""A strategy's networks one after another or side by side (``classifier.workers``), in one run.

On MNIST's default task (conf/base: the fives kept at 5%, the default classifier), one
strategy's R networks (``train_replicates``, the `none` strategy's set for every replicate,
nothing kept) are trained three ways, in turn, ``--rounds`` times:

- ``workers 1`` (threads null): today's default, one process on all of torch's threads;
- ``workers 1, threads 1``: one process on one thread, the networks side-by-side workers
  must reproduce;
- ``workers 2``: two worker processes of one thread each (the pool is started in the first
  round; its start is printed apart, as a run pays it once).

Prints the seconds each took, per network, the speed-up over the default, and whether the
workers' networks are those of ``threads 1``, bit for bit; writes classifier_workers.json.

    .venv/bin/python benchmarks/classifier_workers.py [--replicates 3,4] [--rounds 1]
        [--steps 1200] [--mnist DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch
from _common import data_arguments, print_table, save_json, task

from synthbalance.config import ClassifierParams
from synthbalance.training import workers
from synthbalance.training.replicates import train_replicates

WAYS = {
    "workers 1": {},
    "workers 1, threads 1": {"threads": 1},
    "workers 2": {"workers": 2},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", default="3,4", help="networks per strategy, each count")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--steps", type=int, help="optimiser steps (conf/base's by default)")
    data_arguments(parser)
    args = parser.parse_args()
    params, _, _, train, validation = task("base", {"mnist": args.mnist})
    base = {**params["classifier"], "resume": False, "checkpoint_dir": tempfile.mkdtemp()}
    if args.steps:
        base["steps"] = args.steps
    started = time.perf_counter()
    shared = workers.threads_per_network(2, None)  # the pool `workers: 2` asks for
    workers.run_side_by_side(torch.get_num_threads, [()] * 2, 2, shared)  # start it
    start = time.perf_counter() - started
    print(f"starting the pool of 2 workers: {start:.1f} s; this process: {torch.get_num_threads()}")
    rows = []
    for count in [int(n) for n in args.replicates.split(",")]:
        seconds: dict[str, list[float]] = {way: [] for way in WAYS}
        nets: dict[str, torch.nn.Module] = {}
        for _ in range(args.rounds):
            for way, update in WAYS.items():
                classifier_params = ClassifierParams(**{**base, **update})
                began = time.perf_counter()
                nets[way], _ = train_replicates(
                    [train] * count, [validation] * count, classifier_params, params["seed"]
                )
                seconds[way].append(time.perf_counter() - began)
        reference = nets["workers 1, threads 1"].state_dict()
        default = min(seconds["workers 1"])
        for way in WAYS:
            state = nets[way].state_dict()
            same = all(torch.equal(v, reference[k]) for k, v in state.items())
            best = min(seconds[way])
            rows.append(
                {
                    "networks": count,
                    "way": way,
                    "s (best)": best,
                    "s per network": best / count,
                    "speed-up": default / best,
                    "same as threads 1": same,
                    "rounds s": " / ".join(f"{s:.1f}" for s in seconds[way]),
                }
            )
    print_table(rows)
    save_json(args.out, "classifier_workers", {"rows": rows, "pool_start_s": start})
    workers.shutdown()


if __name__ == "__main__":
    main()
