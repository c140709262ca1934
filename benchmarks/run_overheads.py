"""A whole `kedro run` at two revisions side by side: where its time goes outside the nodes.

Each round runs ``kedro run --env ENV --pipelines balance`` once at ``--base`` (its conf/,
src/ and pyproject.toml from git) and once at the working tree, alternating, each in a fresh
scratch project (no data/, no mlflow.db: what every test's copy of the project pays). Per
run it prints the wall time, the part before the MLflow run starts (Python, the imports, the
store, the context), the run's own time (MLflow's start to end), its nodes' `time.*`
metrics in all, what is left outside the nodes, and hashes of comparison.csv and of every
PNG the run wrote (its charts and grids, and MLflow's copies): the two revisions must give the
same table and the same pictures. ``--pipelines ingest`` times a command that trains nothing.

    .venv/bin/python benchmarks/run_overheads.py --base 5581e9a [--rounds 2] [--env smoke]
        [--params gan.steps=800,classifier.steps=200] [--pipelines balance]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from _common import LOGGING, PROJECT, print_table, scratch_project
from run_times import node_times


def base_project(revision: str, folder: Path) -> Path:
    """conf/, src/ and pyproject.toml at ``revision``, in ``folder``."""
    archive = subprocess.run(
        ["git", "archive", revision, "conf", "src", "pyproject.toml"],
        cwd=PROJECT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    (folder / "logging.yml").write_text(LOGGING)
    return folder


def pictures(project: Path) -> str:
    """One hash of the contents of every PNG under ``project``, whatever their names (MLflow's
    copies are named by run ids and timestamps)."""
    each = sorted(hashlib.sha256(path.read_bytes()).hexdigest() for path in project.rglob("*.png"))
    return hashlib.sha256("".join(each).encode()).hexdigest()[:12]


def one_run(project: Path, env: str, params: str | None, pipeline: str = "balance") -> dict:
    """Run the pipeline in ``project`` from nothing; its figures."""
    for stale in ("data", "mlflow.db", "mlruns"):
        subprocess.run(["rm", "-rf", str(project / stale)], check=True)
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "kedro"),
            *("run", "--env", env, "--pipelines", pipeline),
            *(("--params", params) if params else ()),
        ],
        cwd=project,
        env={
            **os.environ,
            "KEDRO_DISABLE_TELEMETRY": "1",
            "KEDRO_LOGGING_CONFIG": str(project / "logging.yml"),
        },
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout[-3000:] + done.stderr[-3000:])
    _, times, run = node_times(str(project / "mlflow.db"))
    nodes = sum(seconds for _, seconds in times)
    table = project / f"data/{env}/08_reporting/comparison.csv"
    return {
        "wall s": round(wall, 1),
        "before the run s": round(wall - run, 1),
        "run s": round(run, 1),
        "nodes s": round(nodes, 1),
        "outside the nodes s": round(run - nodes, 1),
        "comparison.csv": (
            hashlib.sha256(table.read_bytes()).hexdigest()[:12] if table.exists() else "-"
        ),
        "pictures": pictures(project),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--env", default="smoke")
    parser.add_argument("--params", default=None, help="kedro run's --params, for both")
    parser.add_argument("--pipelines", default="balance", help="the pipeline each run runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        projects = {
            args.base: base_project(args.base, Path(scratch, "base")),
            "working tree": scratch_project(Path(scratch, "now")),
        }
        rows = [
            {
                "revision": label,
                "round": r,
                **one_run(project, args.env, args.params, args.pipelines),
            }
            for r in range(args.rounds)
            for label, project in projects.items()
        ]
    print_table(rows)
    for label in projects:
        mine = [row for row in rows if row["revision"] == label]
        best = min(mine, key=lambda row: row["wall s"])
        outside = best["outside the nodes s"]
        print(f"{label}: best wall {best['wall s']} s, outside the nodes {outside} s")


if __name__ == "__main__":
    main()
