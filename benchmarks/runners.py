"""Wall time of `kedro run --env smoke --pipelines balance` under Kedro's runners.

Each configuration runs in a fresh scratch copy of the project (its own data/ and mlflow.db),
with a classifier budget large enough that the strategies dominate (``--params``; the smoke
default is 20 steps), ``--repeats`` times, round-robin. For each: the median wall time, the
time from the first strategy node's start to the last one's end, the peak memory, whether
every repeat's comparison.csv is the same and how far it is from the sequential run's, and
what MLflow recorded (one parent run, 18 finished child runs with their test metrics).

Torch runs its operators on ``torch.get_num_threads()`` threads (2 here, one per core);
under ThreadRunner two nodes at once each ask for that many, hence the OMP_NUM_THREADS=1 rows.
ParallelRunner is tried too: Kedro refuses it before any node runs (kedro-mlflow's artifact
datasets cannot be pickled into worker processes), and the row says so.

    .venv/bin/python benchmarks/runners.py [--repeats 3] [--params classifier.steps=300,...]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
from _common import PROJECT, print_table, save_json, scratch_project  # benchmarks/ is on sys.path
from mlflow.tracking import MlflowClient

CHILDREN = 18  # conf/smoke: nine strategies, two replicates
PARAMS = "classifier.steps=300,classifier.eval_every=50"
CONFIGURATIONS = {  # name: (runner arguments, extra environment)
    "sequential": (["--runner", "SequentialRunner"], {}),
    "sequential, 1 torch thread": (["--runner", "SequentialRunner"], {"OMP_NUM_THREADS": "1"}),
    "thread": (["--runner", "ThreadRunner"], {}),
    "thread, 1 torch thread": (["--runner", "ThreadRunner"], {"OMP_NUM_THREADS": "1"}),
    "thread --async": (["--runner", "ThreadRunner", "--async"], {}),
    "parallel": (["--runner", "ParallelRunner"], {}),
}
STAMP = r"^(\S+ \S+)\|"
STRATEGY_START = re.compile(STAMP + r"Running node: .*-> \[strategy\.")
STRATEGY_END = re.compile(STAMP + r"Completed node: strategy\.")


def strategy_span(log: str) -> float | None:
    """Seconds from the first strategy node's start to the last one's completion (the
    runners log "Running node" with the node's outputs, namespaced for a strategy)."""

    def when(match: re.Match) -> float:
        return datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S.%f").timestamp()

    lines = log.splitlines()
    starts = [when(m) for m in map(STRATEGY_START.match, lines) if m]
    ends = [when(m) for m in map(STRATEGY_END.match, lines) if m]
    return max(ends) - min(starts) if starts and ends else None


def recorded(db: Path) -> dict:
    """What MLflow holds: parent runs, and the finished children with test metrics."""
    client = MlflowClient(f"sqlite:///{db}")
    (experiment,) = client.search_experiments(filter_string="name = 'synthbalance'")
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    whole = [
        c for c in children if c.info.status == "FINISHED" and "test_minority_f1" in c.data.metrics
    ]
    return {
        "parents": len(parents),
        "parent_metrics": [len(p.data.metrics) for p in parents],
        "parent_params": [len(p.data.params) for p in parents],
        "children_whole": len(whole),
    }


def run(arguments: list[str], extra_env: dict[str, str], params: str) -> dict:
    """One `kedro run` in a scratch copy of the project."""
    with tempfile.TemporaryDirectory(prefix="runners-") as scratch:
        project = scratch_project(Path(scratch))
        env = {
            **os.environ,
            "KEDRO_DISABLE_TELEMETRY": "1",
            "KEDRO_LOGGING_CONFIG": str(project / "logging.yml"),
            **extra_env,
        }
        command = [
            str(Path(sys.executable).parent / "kedro"),
            "run",
            "--env",
            "smoke",
            "--pipelines",
            "balance",
            "--params",
            params,
            *arguments,
        ]
        with open(project / "stdout.log", "w") as log:
            started = time.perf_counter()
            child = subprocess.Popen(
                command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - started
        output = (project / "stdout.log").read_text()
        if os.waitstatus_to_exitcode(status):
            errors = [line for line in output.splitlines() if "Error:" in line]
            return {"failed": errors[-1] if errors else output[-2000:], "wall_seconds": wall}
        comparison = project / "data/smoke/08_reporting/comparison.csv"
        return {
            "wall_seconds": wall,
            "strategy_seconds": strategy_span(output),
            "peak_rss_mib": usage.ru_maxrss / 1024,  # the largest process's
            "comparison": comparison.read_text(),
            "mlflow": recorded(project / "mlflow.db"),
        }


def differences(result: dict, baseline: dict) -> float:
    """The largest absolute difference between two comparison tables' mean test metrics
    (balanced accuracy, minority F1, ...: each strategy's mean over the seeds)."""
    ours, theirs = (
        pd.read_csv(io.StringIO(r["comparison"])).set_index("strategy") for r in (result, baseline)
    )
    means = [column for column in ours.columns if column.endswith("_mean")]
    return float((ours[means] - theirs.loc[ours.index, means]).abs().max().max())


def row(name: str, runs: list[dict], baseline: list[dict] | None) -> dict:
    """One configuration's repeats: median times, and how its tables compare."""
    if any("failed" in r for r in runs):
        return {
            "runner": name,
            "wall s": "failed",
            "min s": "-",
            "strategies s": "-",
            "speed-up": "-",
            "peak MiB": "-",
            "repeatable": "-",
            "max |diff| of a mean": "-",
            "MLflow runs": "-",
        }
    wall = statistics.median(r["wall_seconds"] for r in runs)
    mlflow = {f"{r['mlflow']['parents']}/{r['mlflow']['children_whole']}" for r in runs}
    return {
        "runner": name,
        "wall s": round(wall, 1),
        "min s": round(min(r["wall_seconds"] for r in runs), 1),
        "strategies s": round(statistics.median(r["strategy_seconds"] for r in runs), 1),
        "speed-up": round(statistics.median(r["wall_seconds"] for r in baseline) / wall, 2)
        if baseline
        else "-",
        "peak MiB": round(max(r["peak_rss_mib"] for r in runs)),
        "repeatable": len({r["comparison"] for r in runs}) == 1,
        "max |diff| of a mean": f"{max(differences(r, baseline[0]) for r in runs):.2g}"
        if baseline
        else "-",
        "MLflow runs": "/".join(sorted(mlflow)) + f" (want 1/{CHILDREN})",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=PARAMS, help=f"kedro run --params (default {PARAMS})")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each configuration")
    parser.add_argument("--only", nargs="*", choices=list(CONFIGURATIONS), default=None)
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    parser.add_argument("--from-json", help="only print the table of a saved runners.json")
    args = parser.parse_args()

    if args.from_json:
        report(json.loads(Path(args.from_json).read_text())["runs"], args.params, None)
        return
    names = args.only or list(CONFIGURATIONS)
    results: dict[str, list[dict]] = {name: [] for name in names}
    for repeat in range(args.repeats):  # round-robin, so that a busy minute hits all alike
        for name in names:
            arguments, extra_env = CONFIGURATIONS[name]
            if repeat and "failed" in results[name][0]:
                continue  # it fails before any node runs; once is enough
            load = os.getloadavg()[0]
            result = run(arguments, extra_env, args.params)
            results[name].append({**result, "load_before": load})
            print(
                f"{name} #{repeat + 1}: {result['wall_seconds']:.1f} s "
                f"(load average {load:.1f} before)",
                flush=True,
            )
    report(results, args.params, args.out)


def report(results: dict[str, list[dict]], params: str, out: str | None) -> None:
    """Print the table; save it, with every run's details, to ``out``/runners.json."""
    baseline = results.get("sequential")
    rows = [row(name, runs, baseline) for name, runs in results.items()]
    print()
    print_table(rows)
    print(
        "\nmax |diff| of a mean: the largest difference of a strategy's mean test metric in "
        "comparison.csv from the first sequential run's; repeatable: every repeat's "
        "comparison.csv the same."
    )
    for name, runs in results.items():
        if "failed" in runs[0]:
            print(f"\n{name} failed: {runs[0]['failed'][:300]}...")
    if out is not None:
        save_json(
            out,
            "runners",
            {
                "command": (
                    f"kedro run --env smoke --pipelines balance --params {params} --runner ..."
                ),
                "cpus": os.cpu_count(),
                "rows": rows,
                "runs": results,
            },
        )


if __name__ == "__main__":
    main()
