"""Logging a metrics history to MLflow: kedro-mlflow's dataset (a ``log_metric`` per value)
against ``MlflowBatchedMetricsDataset`` (a ``log_batch`` per 1,000), side by side in one run.

A default run's replicate logs about 600 such values through the GAN's training history
alone (``gan.log_every``: 25 steps of 3,000), each into the project's SQLite store. This saves
histories of that size into a fresh SQLite store the same way, alternating the two datasets
``--repeats`` times, and prints the best seconds of each.

    .venv/bin/python benchmarks/metrics_logging.py [--values 600] [--repeats 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import mlflow
from _common import PROJECT, print_table, save_json
from kedro_mlflow.io.metrics import MlflowMetricsHistoryDataset

from synthbalance.datasets import MlflowBatchedMetricsDataset

KEYS = ("loss_d", "loss_g", "d_real", "d_fake", "augment_p")


def history(values: int) -> dict:
    steps = range(1, values // len(KEYS) + 1)
    return {key: [{"value": 0.5 + step, "step": 25 * step} for step in steps] for key in KEYS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()
    data = history(args.values)
    best = {MlflowMetricsHistoryDataset: float("inf"), MlflowBatchedMetricsDataset: float("inf")}
    with tempfile.TemporaryDirectory() as folder:
        mlflow.set_tracking_uri(f"sqlite:///{Path(folder) / 'mlflow.db'}")
        for _ in range(args.repeats):
            for kind in best:
                with mlflow.start_run():
                    started = time.perf_counter()
                    kind(prefix="gan").save(data)
                    best[kind] = min(best[kind], time.perf_counter() - started)
    rows = [
        {"dataset": kind.__name__, "values": args.values, "seconds": seconds}
        for kind, seconds in best.items()
    ]
    print(f"best of {args.repeats}, SQLite store")
    print_table(rows)
    save_json(args.out, "metrics_logging", {"rows": rows})


if __name__ == "__main__":
    main()
