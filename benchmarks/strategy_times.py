"""What each strategy cost in a finished `kedro run`: the sum of its nodes' times.

Reads the ``time.<node>`` metrics (``hooks.NodeTimesHook``) of the newest parent run in a
project's MLflow store and sums them per strategy: its training-set builders (one per
replicate), its evaluate namespace (training or adjusting its networks, scoring, reporting)
and, for ``deepsmote``, its autoencoders and samples. The GAN and its samples are shared by
``gan``, ``gan_augment`` and ``synthetic_only`` and listed on their own.

    .venv/bin/python benchmarks/strategy_times.py [--project DIR] [--run-id ID]
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

from mlflow.tracking import MlflowClient

PART = [
    (re.compile(r"^replicate_\d+\.strategy\.(\w+)\."), None),
    (re.compile(r"^strategy\.(\w+)\."), None),
    (re.compile(r"^replicate_\d+\.(deepsmote)\."), None),
    (
        re.compile(r"^replicate_\d+\.(gan|sample)\."),
        "GAN and its samples (gan, gan_augment, synthetic_only)",
    ),
]


def owner(node: str) -> str:
    for pattern, label in PART:
        found = pattern.match(node)
        if found:
            return label or found.group(1)
    return "shared (ingest, imbalance, quality, comparison, report)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path.cwd())
    parser.add_argument("--run-id", help="the parent run (default: the newest)")
    args = parser.parse_args()
    client = MlflowClient(f"sqlite:///{(args.project / 'mlflow.db').resolve()}")
    if args.run_id:
        run = client.get_run(args.run_id)
    else:
        experiment = client.get_experiment_by_name("synthbalance")
        runs = client.search_runs(
            [experiment.experiment_id],
            "attributes.status = 'FINISHED'",
            order_by=["attributes.start_time DESC"],
            max_results=50,
        )
        run = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    totals: dict[str, float] = defaultdict(float)
    for key, seconds in run.data.metrics.items():
        if key.startswith("time."):
            totals[owner(key.removeprefix("time."))] += seconds
    print(f"run {run.info.run_id} ({run.info.run_name}), node times summed:")
    print("| part | seconds |\n|---|---:|")
    for part, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"| {part} | {seconds:.1f} |")
    print(f"| all nodes | {sum(totals.values()):.1f} |")


if __name__ == "__main__":
    main()
