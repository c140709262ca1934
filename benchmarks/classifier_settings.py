"""Classifier training under two settings side by side, for every strategy of a finished run.

Reads the data folder of a finished `kedro run --pipelines balance` (each replicate's training
set of every strategy, the validation and test sets), trains each strategy's network of each
replicate under the old settings and under the new ones (same data, same seeds, same loss;
the replicates together, as the pipeline trains them), and prints per strategy: seconds (all
replicates), steps, and test balanced accuracy and minority F1 (means over the replicates),
old and new. `threshold` trains nothing of its own,
so it is left out. The old settings are those before issue 18 (1,500 steps at a constant
1e-3); the new ones are conf/base's `classifier` block, each overridable (`--new k=v,...`).

    .venv/bin/python benchmarks/classifier_settings.py --data DIR [--replicates 3]
        [--strategies none,gan] [--new steps=600,schedule=one_cycle] [--old k=v,...] [--out DIR]

`--old` replaces the old side by conf/base's block with its overrides (`--old keep=last` is
conf/base's block with one change; `--old architecture=cnn` conf/base's block as it is).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import PROJECT, print_table, project_parameters, save_json
from kedro.io import Version

from synthbalance.config import ClassifierParams, StrategiesParams
from synthbalance.core.metrics import classification_metrics
from synthbalance.datasets import ImageSetDataset
from synthbalance.strategies import REGISTRY
from synthbalance.training.classifier import probabilities
from synthbalance.training.losses import Loss
from synthbalance.training.replicates import train_replicates

OLD = {"steps": 1500, "lr": 1e-3, "schedule": "constant", "batch_size": 128, "eval_every": 250}


def parse(pairs: str) -> dict:
    """ "steps=600,lr=3e-3" -> {"steps": 600, "lr": 0.003} (values as YAML would read them)."""
    import yaml

    return {k: yaml.safe_load(v) for k, v in (p.split("=", 1) for p in pairs.split(",") if p)}


def load(path: Path):
    versioned = path.is_dir()  # a versioned dataset: a folder of timestamped versions
    return ImageSetDataset(
        filepath=str(path), version=Version(None, None) if versioned else None
    ).load()


def drawn(data: Path, name: str, r: int):
    """Replicate ``r``'s own ``name`` (``train_imbalanced``, ``validation``) where each
    replicate drew its imbalance (``redraw_imbalance: true``), else the one the run shared."""
    own = data / f"05_model_input/replicate_{r}/{name}.npz"
    return load(own if own.exists() else data / f"05_model_input/{name}.npz")


def loss_of(name: str, strategies: StrategiesParams) -> Loss:
    kind = REGISTRY[name].loss
    block = getattr(strategies, kind, None)
    return Loss(kind, block.model_dump() if block is not None else {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a finished run's data folder")
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--strategies", default="")
    parser.add_argument("--new", default="", help="overrides of conf/base's classifier block")
    parser.add_argument(
        "--old",
        default="",
        help="the old side: conf/base's classifier block "
        "with these overrides (default: the settings before issue 18)",
    )
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    base = project_parameters()
    common = {k: v for k, v in base["classifier"].items() if k in ClassifierParams.model_fields}
    old = parse(args.old) if args.old else OLD
    settings = {
        "old": ClassifierParams(**{**common, **old, "resume": False}),
        "new": ClassifierParams(**{**common, **parse(args.new), "resume": False}),
    }
    strategies = StrategiesParams(**base["strategies"])
    data = Path(args.data)
    test = load(data / "03_primary/test_set.npz")
    rare = sorted(
        int(c)
        for c in np.flatnonzero(
            load(data / "05_model_input/replicate_0/synthetic.npz").class_counts()
        )
    )
    names = [
        n
        for n in (args.strategies.split(",") if args.strategies else strategies.run)
        if REGISTRY[n].adjusts is None
    ]
    rows = []
    for name in names:
        trains = [
            load(data / f"05_model_input/replicate_{r}/strategies/{name}.npz")
            for r in range(args.replicates)
        ]
        validations = [drawn(data, "validation", r) for r in range(args.replicates)]
        row = {"strategy": name}
        for which, params in settings.items():  # old, then new: drift between them is small
            started = time.perf_counter()
            classifier, history = train_replicates(
                trains, validations, params, base["seed"], loss_of(name, strategies)
            )
            seconds = time.perf_counter() - started
            scores = [
                classification_metrics(
                    test.labels,
                    probabilities(classifier, r, test.images),
                    list(test.class_names),
                    rare,
                )
                for r in range(len(trains))
            ]
            row |= {
                f"{which}_s": seconds,
                f"{which}_steps": int(history["step"].max()),
                f"{which}_bal_acc": np.mean([s["test_balanced_accuracy"] for s in scores]),
                f"{which}_minority_f1": np.mean([s["test_minority_f1"] for s in scores]),
            }
        row["bal_acc_points"] = 100 * (row["new_bal_acc"] - row["old_bal_acc"])
        rows.append(row)
        print_table([row])
    shown = set(OLD) | set(old) | set(parse(args.new))
    print(
        f"\nold: {settings['old'].model_dump(include=shown)}"
        f"\nnew: {settings['new'].model_dump(include=shown)}"
    )
    print(f"{args.replicates} replicates: seconds for all of them, scores their means\n")
    print_table(rows)
    save_json(args.out, "classifier_settings", {"old": old, "new": parse(args.new), "rows": rows})


if __name__ == "__main__":
    main()
