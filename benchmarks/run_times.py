"""Where a finished run's time went: its nodes' `time.*` metrics, summed by node function.

Reads the parent run of a `kedro run --pipelines balance` from an MLflow store (the latest
parent run by default) and prints, per node function (`train_classifier`, `train_gan`, …):
how many nodes ran it, their seconds in all and their share of the nodes' total; then the
nodes' total against the run's wall time (start to end), the rest being outside the nodes
(loading and saving datasets, MLflow, Kedro).

    .venv/bin/python benchmarks/run_times.py [--store mlflow.db] [--run RUN_ID]
"""

from __future__ import annotations

import argparse
import sqlite3
from collections import defaultdict

from _common import print_table


def node_times(store: str, run: str | None = None) -> tuple[str, list, float]:
    """(the run's id, its ``(time.<node>, seconds)`` metrics, its wall seconds from start to
    end) for the parent run ``run`` of the SQLite store ``store``, the latest by default."""
    with sqlite3.connect(store) as db:
        latest = db.execute(
            "SELECT r.run_uuid FROM runs r WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE "
            "t.run_uuid = r.run_uuid AND t.key = 'mlflow.parentRunId') "
            "ORDER BY r.start_time DESC LIMIT 1"
        ).fetchone()
        if run is None and latest is None:
            raise SystemExit(f"{store} holds no run yet: run `kedro run` first")
        run = run or latest[0]
        times = db.execute(
            "SELECT key, value FROM metrics WHERE run_uuid = ? AND key LIKE 'time.%'", (run,)
        ).fetchall()
        start, end = db.execute(
            "SELECT start_time, end_time FROM runs WHERE run_uuid = ?", (run,)
        ).fetchone()
    return run, times, (end - start) / 1000 if end else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="mlflow.db")
    parser.add_argument("--run", default=None, help="a parent run's id (default: the latest)")
    args = parser.parse_args()
    run, times, wall = node_times(args.store, args.run)
    by_function: dict[str, list[float]] = defaultdict(list)
    for key, seconds in times:
        by_function[key.rsplit(".", 1)[-1]].append(seconds)
    total = sum(sum(v) for v in by_function.values())
    rows = [
        {
            "node function": name,
            "nodes": len(values),
            "seconds": round(sum(values), 1),
            "share": f"{sum(values) / total:.0%}",
        }
        for name, values in sorted(by_function.items(), key=lambda item: -sum(item[1]))
    ]
    print(f"run {run}")
    print_table(rows)
    print(f"nodes {total:.0f} s of the run's {wall:.0f} s; outside the nodes {wall - total:.0f} s")


if __name__ == "__main__":
    main()
