"""Many `kedro run`s at once against one SQLite tracking store: are they all recorded whole?

Each round starts ``--runs`` smoke runs together, each in its own copy of the project (its own
data folder) with a different ``imbalance.profile.keep_fraction``, all pointed at one fresh
``mlflow.db``; and one more run in the first copy: one of the two runs there must wait for the
folder, then run.
A run counts as recorded whole when its parent run is FINISHED with the 18 finished child
runs of the smoke environment, each with its test metrics, and the comparison artifact.

    .venv/bin/python benchmarks/concurrent_runs.py --runs 4 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import PROJECT, print_table, save_json
from mlflow.tracking import MlflowClient

CHILDREN = 18  # conf/smoke: nine strategies, two replicates


def copy(folder: Path, db: Path) -> Path:
    for name in ("conf", "src"):
        shutil.copytree(PROJECT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "pyproject.toml", folder)
    mlflow_yml = (folder / "conf/base/mlflow.yml").read_text()
    (folder / "conf/smoke/mlflow.yml").write_text(
        mlflow_yml.replace("sqlite:///mlflow.db", f"sqlite:///{db}")
    )
    return folder


def start(project: Path, keep: float, log: Path) -> subprocess.Popen:
    kedro = str(Path(sys.executable).parent / "kedro")
    command = [
        kedro,
        "run",
        "--env",
        "smoke",
        "--pipelines",
        "balance",
        "--params",
        f"imbalance.profile.keep_fraction={keep}",
    ]
    return subprocess.Popen(
        command,
        cwd=project,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"},
    )


def whole(client: MlflowClient, experiment: str) -> tuple[int, int]:
    """(parent runs, parent runs recorded whole)."""
    runs = client.search_runs([experiment], max_results=5000)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    complete = 0
    for parent in parents:
        children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
        artifacts = {a.path for a in client.list_artifacts(parent.info.run_id, "comparison")}
        complete += (
            parent.info.status == "FINISHED"
            and len(children) == CHILDREN
            and all(
                c.info.status == "FINISHED" and "test_minority_f1" in c.data.metrics
                for c in children
            )
            and "comparison/comparison.csv" in artifacts
        )
    return len(parents), complete


def round_(runs: int, scratch: Path) -> dict:
    db = scratch / "store" / "mlflow.db"
    projects = [copy(scratch / f"p{i}", db) for i in range(runs)]
    started = time.perf_counter()
    children = [start(p, 0.1 + 0.05 * i, p / "run.log") for i, p in enumerate(projects)]
    children.append(start(projects[0], 0.5, projects[0] / "second.log"))  # waits for p0
    codes = [c.wait() for c in children]
    seconds = time.perf_counter() - started
    client = MlflowClient(f"sqlite:///{db}")
    (experiment,) = client.search_experiments(filter_string="name = 'synthbalance'")
    parents, complete = whole(client, experiment.experiment_id)
    # one of the two runs in the first copy waited for the other (whichever started second)
    waited = any(
        "Waiting for it to finish" in (projects[0] / log).read_text()
        for log in ("run.log", "second.log")
    )
    return {
        "runs": len(children),
        "exit 0": sum(c == 0 for c in codes),
        "parents": parents,
        "recorded whole": complete,
        "one waited": waited,
        "wall s": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4, help="runs at once, one project each")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()
    rows = []
    for number in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="concurrent-") as scratch:
            rows.append({"round": number + 1, **round_(args.runs, Path(scratch))})
            print_table(rows[-1:])
    print_table(rows)
    save_json(args.out, "concurrent_runs", {"rows": rows})


if __name__ == "__main__":
    main()
