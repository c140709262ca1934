"""Wall time of `kedro run --pipelines balance` per stage, in total, and its peak memory.

Runs the project's default configuration on MNIST in a scratch copy of the project (its own
data/ and mlflow.db), so that nothing is resumed from an earlier run, and prints a table.

    .venv/bin/python benchmarks/balance_stages.py --mnist data/01_raw/mnist [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from _common import save_json  # benchmarks/ is on sys.path when a script runs

from synthbalance.pipelines import evaluate, gan, imbalance, ingest, quality, sample, strategies

PROJECT = Path(__file__).parents[1]
STAGES = {"ingest": ingest, "imbalance": imbalance, "gan": gan, "sample": sample,
          "strategies": strategies, "evaluate": evaluate, "quality": quality}  # fmt: skip
LOGGING = """
version: 1
disable_existing_loggers: false
formatters:
  timed: {format: "%(asctime)s.%(msecs)03d|%(message)s", datefmt: "%Y-%m-%d %H:%M:%S"}
handlers:
  console: {class: logging.StreamHandler, formatter: timed, stream: ext://sys.stdout}
loggers:
  kedro: {level: INFO}
root: {handlers: [console], level: INFO}
"""
EVENT = re.compile(r"^(\S+ \S+)\|(Running|Completed) node: ([\w.]+)")


def stage_of() -> dict[str, str]:
    return {n.name: stage for stage, module in STAGES.items()
            for n in module.create_pipeline().nodes}  # fmt: skip


def node_seconds(log: str) -> dict[str, float]:
    """Seconds per node, from the log's "Running node" and "Completed node" lines. The
    sequential runner runs one node at a time, and names a namespaced node in full only
    when it completes, so each completion closes the latest start."""
    started, seconds = None, {}
    for line in log.splitlines():
        match = EVENT.match(line)
        if not match:
            continue
        when = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S.%f").timestamp()
        if match[2] == "Running":
            started = when
        else:
            seconds[match[3]] = when - started
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(PROJECT / "data/01_raw/mnist"))
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch)
        for name in ("conf", "src"):
            shutil.copytree(PROJECT / name, project / name,
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        shutil.copy(PROJECT / "pyproject.toml", project)
        (project / "logging.yml").write_text(LOGGING)
        env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1",
               "KEDRO_LOGGING_CONFIG": str(project / "logging.yml")}  # fmt: skip
        command = [str(Path(sys.executable).parent / "kedro"), "run", "--pipelines", "balance",
                   "--params", f"ingest.folder={Path(args.mnist).resolve()}"]  # fmt: skip
        started = time.perf_counter()
        result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if result.returncode:
            sys.exit(result.stdout[-3000:] + result.stderr[-3000:])
        comparison = (project / "data/08_reporting/comparison.md").read_text()

    stages, strategy_seconds = defaultdict(float), defaultdict(float)
    names = stage_of()
    for node, seconds in node_seconds(result.stdout).items():
        stages[names[node]] += seconds
        if node.startswith("strategy."):
            strategy_seconds[node.split(".")[1]] += seconds
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    results = {
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(peak_mib),
        "stage_seconds": {stage: round(stages[stage], 1) for stage in STAGES},
        "per_strategy_seconds": {k: round(v, 1) for k, v in strategy_seconds.items()},
    }
    print(f"{'stage':<12}{'seconds':>9}")
    for stage, seconds in results["stage_seconds"].items():
        print(f"{stage:<12}{seconds:>9.1f}")
    print(f"{'nodes':<12}{sum(stages.values()):>9.1f}\n{'wall':<12}{wall:>9.1f}"
          f"\npeak RSS {peak_mib:.0f} MiB\n")  # fmt: skip
    for strategy, seconds in results["per_strategy_seconds"].items():
        print(f"  {strategy:<16}{seconds:>6.1f} s (build + train + score)")
    print("\n" + comparison)
    save_json(args.out, "balance_stages", results)


if __name__ == "__main__":
    main()
