"""Two `kedro run`s at once, and a tracking store that cannot record them.

The choice (docs/index.md, "Interruptions and bad input"): runs in one data folder take
turns — the second logs who holds the folder and waits, then runs whole; runs in different
data folders (another environment, another copy of the project) run together and share
the SQLite store. Either way both are recorded whole in MLflow. A store that cannot record
stops the run before any node runs, with a message that says why.
"""

import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import AGAINST_GAN, copy_project, kedro_environment, kedro_run

REPLICATES = 2  # conf/smoke


def start(project: Path, name: str, *params: str) -> subprocess.Popen:
    args = ["--env", "smoke", "--pipelines", "balance"] + (["--params", *params] if params else [])
    log = open(project / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        kedro_run(*args),
        cwd=project,
        env=kedro_environment(project),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(child: subprocess.Popen, project: Path, name: str) -> str:
    child.wait(timeout=600)
    child.stdout and child.stdout.close()
    log = (project / f"{name}.log").read_text()
    assert child.returncode == 0, log[-4000:]
    return log


def wait_for(project: Path, name: str, line: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while line not in (project / f"{name}.log").read_text():
        assert time.monotonic() < deadline, f"{name} never logged {line!r}"
        time.sleep(0.2)


def recorded(db: Path) -> list[dict]:
    """Each parent run of the store: its status, times, keep_fraction and children."""
    client = MlflowClient(f"sqlite:///{db}")
    (experiment,) = client.search_experiments(filter_string="name = 'synthbalance'")
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    return [
        {
            "status": parent.info.status,
            "start": parent.info.start_time,
            "end": parent.info.end_time,
            "keep_fraction": parent.data.params.get("imbalance.profile.keep_fraction"),
            "children": [
                r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id
            ],
            "artifacts": {a.path for a in client.list_artifacts(parent.info.run_id, "comparison")},
        }
        for parent in sorted(parents, key=lambda r: r.info.start_time)
    ]


def assert_whole(run: dict) -> None:
    assert run["status"] == "FINISHED"
    assert len(run["children"]) == len(AGAINST_GAN) * REPLICATES
    for child in run["children"]:
        assert child.info.status == "FINISHED"
        assert {"test_balanced_accuracy", "test_minority_f1"} <= child.data.metrics.keys()
    assert "comparison/comparison.csv" in run["artifacts"]


@pytest.mark.slow
def test_a_second_run_in_the_same_data_folder_waits_then_both_are_recorded(tmp_path):
    project = copy_project(tmp_path, AGAINST_GAN)
    # 600 steps of the smoke GAN per replicate (it checkpoints every 10): time to start another
    first = start(project, "first", "gan.steps=600")
    wait_for(project, "first", "Running node: train_gan")  # it holds the data folder
    second = start(project, "second", "imbalance.profile.keep_fraction=0.2")
    finish(first, project, "first")
    log = finish(second, project, "second")
    assert (
        "Another `kedro run` or a DAG run's task is using" in log
        and "Waiting for it to finish" in log
    )
    assert "this one starts now" in log
    runs = recorded(project / "mlflow.db")
    assert len(runs) == 2
    for run in runs:
        assert_whole(run)
    assert [run["keep_fraction"] for run in runs] == ["0.1", "0.2"]
    assert runs[1]["start"] >= runs[0]["end"]  # they took turns


@pytest.mark.slow
def test_runs_in_two_projects_share_a_fresh_sqlite_store_at_once(tmp_path):
    db = tmp_path / "shared" / "mlflow.db"  # not there yet: both runs find it empty
    projects = [copy_project(tmp_path / name, AGAINST_GAN) for name in ("a", "b")]
    for project in projects:
        (project / "conf/smoke/mlflow.yml").write_text(
            (project / "conf/base/mlflow.yml")
            .read_text()
            .replace("sqlite:///mlflow.db", f"sqlite:///{db}")
        )
    children = [
        start(projects[0], "run", "imbalance.profile.keep_fraction=0.1"),
        start(projects[1], "run", "imbalance.profile.keep_fraction=0.2"),
    ]
    for child, project in zip(children, projects, strict=True):
        finish(child, project, "run")
    runs = recorded(db)
    assert len(runs) == 2
    for run in runs:
        assert_whole(run)
    assert sorted(run["keep_fraction"] for run in runs) == ["0.1", "0.2"]
    assert runs[1]["start"] < runs[0]["end"]  # they ran at the same time


def stopped_before_any_node(project: Path, message: str) -> None:
    started = time.monotonic()
    result = subprocess.run(
        kedro_run("--env", "smoke", "--pipelines", "balance"),
        cwd=project,
        env=kedro_environment(project),
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.monotonic() - started
    log = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert message in log, log[-3000:]
    assert "Running node" not in log
    assert not (project / "data").exists() or not any((project / "data").rglob("*.npz"))
    assert seconds < 60


def test_a_tracking_server_that_does_not_answer_stops_the_run_before_it_starts(tmp_path):
    project = copy_project(tmp_path)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    (project / "conf/smoke/mlflow.yml").write_text(
        f"server:\n  mlflow_tracking_uri: http://127.0.0.1:{port}\n"
    )
    stopped_before_any_node(
        project, f"MLflow's tracking server http://127.0.0.1:{port} does not answer"
    )


def test_a_read_only_store_stops_the_run_before_it_starts(tmp_path):
    project = copy_project(tmp_path)
    db = project / "mlflow.db"
    db.write_bytes(b"")
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.commit()
    if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode:
        pytest.skip("chattr +i is not permitted here")
    try:
        stopped_before_any_node(project, "mlflow.db) is read-only, so this run could not")
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)
