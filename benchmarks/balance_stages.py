"""Wall time of `kedro run --pipelines balance` per stage, in total, and its peak memory.

Runs the project's default configuration on MNIST in a scratch copy of the project (its own
data/ and mlflow.db), so that nothing is resumed from an earlier run, and prints a table:
per stage its seconds, share and seconds per replicate; the time outside any node (loading
and saving datasets, MLflow, Kedro); the peak resident memory, and the node that was running
when the run's memory was at its highest (sampled every 0.5 s).

    .venv/bin/python benchmarks/balance_stages.py --mnist data/01_raw/mnist [--out DIR]
        [--params key=value,...]
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from _common import save_json, scratch_project  # benchmarks/ is on sys.path when a script runs

from synthbalance.pipelines import (
    deepsmote,
    evaluate,
    gan,
    imbalance,
    ingest,
    quality,
    report,
    sample,
    strategies,
)

PROJECT = Path(__file__).parents[1]
STAGES = {
    "ingest": ingest,
    "imbalance": imbalance,
    "gan": gan,
    "sample": sample,
    "deepsmote": deepsmote,
    "strategies": strategies,
    "evaluate": evaluate,
    "quality": quality,
    "report": report,
}
PER_REPLICATE = {"gan", "sample", "deepsmote", "strategies", "evaluate"}
EVENT = re.compile(r"^(\S+ \S+)\|(Running|Completed) node: ([\w.]+)")


def stage_of() -> dict[str, str]:
    """{node name: its stage}; a replicate's nodes (``replicate_<r>.gan.train_gan``) are
    named here without their replicate (see ``unreplicated``)."""
    found = {
        n.name: stage for stage, module in STAGES.items() for n in module.create_pipeline().nodes
    }
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


def _rss_mib(pid: int) -> float:
    """The resident memory of process ``pid`` and its children (torchrun's workers), MiB."""
    total = 0.0
    for child in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        total += (
            next(
                (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")),
                0,
            )
            / 1024
        )
    return total


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in found] + [g for c in found for g in _children(int(c))]


def _sample_memory(pid: int, samples: list, stop: threading.Event) -> None:
    while not stop.wait(0.5):
        samples.append((time.time(), _rss_mib(pid)))


def node_peaks(log: str, samples: list) -> dict[str, float]:
    """{node: the highest RSS sampled while it ran, MiB}; between nodes counts as its own row.
    The log's events are read once; each sample finds its node by bisection."""
    events = [
        (
            datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S.%f").timestamp(),
            m[3] if m[2] == "Running" else "(between nodes)",
        )
        for m in map(EVENT.match, log.splitlines())
        if m
    ]
    times, peaks = [when for when, _ in events], {}
    for when, mib in samples:
        index = bisect.bisect_right(times, when) - 1
        node = events[index][1] if index >= 0 else "(between nodes)"
        peaks[node] = max(peaks.get(node, 0.0), mib)
    return peaks


def node_at(log: str, when: float) -> str:
    """The node the sequential runner was running at ``when`` (epoch seconds), from its log."""
    running = "(between nodes)"
    for line in log.splitlines():
        match = EVENT.match(line)
        if not match:
            continue
        at = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S.%f").timestamp()
        if at > when:
            break
        running = match[3] if match[2] == "Running" else "(between nodes)"
    return running


def run_balance(
    params: list[str], parameters: dict | None = None, prepare: Callable[[Path], None] | None = None
) -> dict:
    """`kedro run --pipelines balance --params ...` in a scratch copy of the project (its own
    data/ and mlflow.db, so nothing is resumed): wall seconds, this run's peak RSS, per-node
    seconds from the log, the comparison table, each strategy's result (its replicates'
    metrics). ``parameters``: whole blocks that replace conf/base's (as conf/local's would);
    ``prepare``: called with the scratch project's folder before the run (e.g. old code)."""
    with tempfile.TemporaryDirectory() as scratch:
        project = scratch_project(Path(scratch))
        if prepare is not None:
            prepare(project)
        if parameters is not None:
            (project / "conf/local").mkdir(exist_ok=True)
            (project / "conf/local/parameters.yml").write_text(json.dumps(parameters))
        env = {
            **os.environ,
            "KEDRO_DISABLE_TELEMETRY": "1",
            "KEDRO_LOGGING_CONFIG": str(project / "logging.yml"),
            # the copy's code, not the installed one (kedro imports the project's CLI
            # plugin before it puts the project's src/ on the path)
            "PYTHONPATH": str(project / "src"),
        }
        command = [
            str(Path(sys.executable).parent / "kedro"),
            "run",
            "--pipelines",
            "balance",
            "--params",
            ",".join(params),
        ]
        with open(project / "stdout.log", "w") as log:
            started = time.perf_counter()
            child = subprocess.Popen(
                command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            samples, stop = [], threading.Event()
            sampler = threading.Thread(target=_sample_memory, args=(child.pid, samples, stop))
            sampler.start()
            _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
            wall = time.perf_counter() - started
            stop.set()
            sampler.join()
        output = (project / "stdout.log").read_text()
        if os.waitstatus_to_exitcode(status):
            sys.exit(f"kedro run --params {params} failed:\n{output[-5000:]}")
        when, _ = max(samples, key=lambda sample: sample[1], default=(0.0, 0.0))
        return {
            "wall_seconds": wall,
            "peak_rss_mib": usage.ru_maxrss / 1024,
            "peak_node": node_at(output, when),
            "node_peak_mib": node_peaks(output, samples),
            "node_seconds": node_seconds(output),
            "comparison": (project / "data/08_reporting/comparison.md").read_text(),
            "quality": _text_or_none(project / "data/08_reporting/quality.csv"),
            "strategy_results": {
                path.stem: json.loads(path.read_text())
                for path in (project / "data/08_reporting/strategies").glob("*.json")
            },
        }


def _text_or_none(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(PROJECT / "data/01_raw/mnist"))
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    parser.add_argument("--params", default="", help="more --params for `kedro run`")
    args = parser.parse_args()

    extra = [pair for pair in args.params.split(",") if pair]
    run = run_balance([f"ingest.folder={Path(args.mnist).resolve()}", *extra])
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
        "peak_node": run["peak_node"],
        "node_peak_mib": dict(
            sorted(
                ((k, round(v)) for k, v in run["node_peak_mib"].items()), key=lambda item: -item[1]
            )
        ),
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
    print(
        f"{'nodes':<12}{total:>9.1f}\n{'outside':<12}{wall - total:>9.1f}"
        f"{(wall - total) / wall:>8.0%}   loading and saving datasets, MLflow, Kedro"
        f"\n{'wall':<12}{wall:>9.1f}\npeak RSS {peak_mib:.0f} MiB, "
        f"while {run['peak_node']} ran\n"
    )
    print("the nodes with the highest RSS while they ran (MiB):")
    for node, mib in list(results["node_peak_mib"].items())[:12]:
        print(f"  {node:<48}{mib:>7}")
    for strategy, seconds in results["per_strategy_seconds"].items():
        print(f"  {strategy:<16}{seconds:>6.1f} s (build + train + score, {count} replicates)")
    print("\n" + run["comparison"])
    save_json(args.out, "balance_stages", results)


if __name__ == "__main__":
    main()
