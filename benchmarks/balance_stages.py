"""Wall time of `kedro run --pipelines balance` per stage, in total, and its peak memory.

Runs the project's default configuration on MNIST in a scratch copy of the project (its own
data/ and mlflow.db), so that nothing is resumed from an earlier run, and prints a table.

    .venv/bin/python benchmarks/balance_stages.py --mnist data/01_raw/mnist [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from _common import save_json, scratch_project  # benchmarks/ is on sys.path when a script runs

from synthbalance.pipelines import evaluate, gan, imbalance, ingest, quality, sample, strategies

PROJECT = Path(__file__).parents[1]
STAGES = {"ingest": ingest, "imbalance": imbalance, "gan": gan, "sample": sample,
          "strategies": strategies, "evaluate": evaluate, "quality": quality}  # fmt: skip
PER_REPLICATE = {"gan", "sample", "strategies", "evaluate"}
EVENT = re.compile(r"^(\S+ \S+)\|(Running|Completed) node: ([\w.]+)")


def stage_of() -> dict[str, str]:
    """{node name: its stage}; a replicate's nodes (``replicate_<r>.gan.train_gan``) are
    named here without their replicate (see ``unreplicated``)."""
    found = {n.name: stage for stage, module in STAGES.items()
             for n in module.create_pipeline().nodes}  # fmt: skip
    return found | {"replicate_seed": "gan"}  # the replicate's seed: counted with its GAN


def unreplicated(node: str) -> tuple[str, int | None]:
    """(the node's name without its ``replicate_<r>.`` namespace, r or None)."""
    match = re.match(r"replicate_(\d+)\.(.+)", node)
    return (match[2], int(match[1])) if match else (node, None)


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


def run_balance(params: list[str]) -> dict:
    """`kedro run --pipelines balance --params ...` in a scratch copy of the project (its own
    data/ and mlflow.db, so nothing is resumed): wall seconds, this run's peak RSS, per-node
    seconds from the log, the comparison table."""
    with tempfile.TemporaryDirectory() as scratch:
        project = scratch_project(Path(scratch))
        env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1",
               "KEDRO_LOGGING_CONFIG": str(project / "logging.yml")}  # fmt: skip
        command = [str(Path(sys.executable).parent / "kedro"), "run", "--pipelines", "balance",
                   "--params", ",".join(params)]  # fmt: skip
        with open(project / "stdout.log", "w") as log:
            started = time.perf_counter()
            child = subprocess.Popen(command, cwd=project, env=env, stdout=log,
                                     stderr=subprocess.STDOUT)  # fmt: skip
            _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
            wall = time.perf_counter() - started
        output = (project / "stdout.log").read_text()
        if os.waitstatus_to_exitcode(status):
            sys.exit(f"kedro run --params {params} failed:\n{output[-5000:]}")
        return {
            "wall_seconds": wall,
            "peak_rss_mib": usage.ru_maxrss / 1024,
            "node_seconds": node_seconds(output),
            "comparison": (project / "data/08_reporting/comparison.md").read_text(),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(PROJECT / "data/01_raw/mnist"))
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    run = run_balance([f"ingest.folder={Path(args.mnist).resolve()}"])
    wall, peak_mib = run["wall_seconds"], run["peak_rss_mib"]
    stages, strategy_seconds = defaultdict(float), defaultdict(float)
    names, replicates = stage_of(), set()
    for node, seconds in run["node_seconds"].items():
        name, replicate = unreplicated(node)
        replicates.add(replicate)
        stages[names[name]] += seconds
        if name.startswith("strategy."):
            strategy_seconds[name.split(".")[1]] += seconds
    count = max(len(replicates - {None}), 1)
    results = {
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(peak_mib),
        "stage_seconds": {stage: round(stages[stage], 1) for stage in STAGES},
        "per_strategy_seconds": {k: round(v, 1) for k, v in strategy_seconds.items()},
        "replicates": count,
    }
    total = sum(stages.values())
    print(f"{'stage':<12}{'seconds':>9}{'share':>8}{'per replicate':>15}")
    for stage, seconds in results["stage_seconds"].items():
        # gan, sample, strategies and evaluate run once per replicate; the others once
        each = f"{seconds / count:.1f}" if stage in PER_REPLICATE else "-"
        print(f"{stage:<12}{seconds:>9.1f}{seconds / max(total, 1e-9):>8.0%}{each:>15}")
    print(f"{'nodes':<12}{sum(stages.values()):>9.1f}\n{'wall':<12}{wall:>9.1f}"
          f"\npeak RSS {peak_mib:.0f} MiB\n")  # fmt: skip
    for strategy, seconds in results["per_strategy_seconds"].items():
        print(f"  {strategy:<16}{seconds:>6.1f} s (build + train + score, {count} replicates)")
    print("\n" + run["comparison"])
    save_json(args.out, "balance_stages", results)


if __name__ == "__main__":
    main()
