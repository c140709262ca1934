"""Airflow 3 runs the exported DAG (`airflow dags test`: every task, in Airflow's own
interpreter) and writes the comparison and the verdict that `kedro run` writes with the same
environment and seed, byte for byte (issue 34)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import AGAINST_GAN, copy_project, kedro_environment, kedro_run
from tests.test_airflow_dag import TEMPLATE, airflow_python, require_airflow

ENV = "small"  # the smoke data and settings, three strategies, two replicates
DAG_ID = f"synthbalance_{ENV}_balance"
OUTPUTS = ("comparison.csv", "verdict.json")
# Airflow's own packages first, then the project's (Kedro, torch, synthbalance) after them:
# Airflow's pins win, and the tasks import the project from its virtual environment.
LAUNCHER = (
    "import site, sys; site.addsitedir(sys.argv.pop(1)); sys.argv[0] = 'airflow'; "
    "from airflow.__main__ import main; main()"
)


def small_project(folder: Path) -> Path:
    project = copy_project(folder, AGAINST_GAN)
    shutil.copytree(project / "conf/smoke", project / f"conf/{ENV}")
    return project


@pytest.mark.slow
def test_airflow_runs_the_dag_and_writes_what_kedro_run_writes(tmp_path):
    python = airflow_python() or require_airflow()
    project = small_project(tmp_path / "project")
    environment = kedro_environment(project)
    environment.pop("KEDRO_ENV", None)

    def run(command: list[str], **extra) -> None:
        result = subprocess.run(
            command,
            cwd=project,
            env={**environment, **extra},
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]

    run(kedro_run("--env", ENV, "--pipelines", "balance"))
    reporting = project / "data/smoke/08_reporting"
    by_kedro = {name: (reporting / name).read_bytes() for name in OUTPUTS}
    shutil.rmtree(project / "data")  # Airflow's run makes every file again
    (project / "mlflow.db").unlink()

    dags = tmp_path / "dags"
    run(
        [
            str(Path(sys.executable).parent / "kedro"),
            "airflow",
            "create",
            "--pipelines",
            "balance",
            "--env",
            ENV,
            "--target-dir",
            str(dags),
            "--jinja-file",
            str(TEMPLATE),
            "--params",
            f"project_path={project}",
        ]
    )
    airflow = [python, "-c", LAUNCHER, sysconfig.get_paths()["purelib"]]
    home = {
        "AIRFLOW_HOME": str(tmp_path / "airflow_home"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    run([*airflow, "db", "migrate"], **home)
    run([*airflow, "dags", "test", DAG_ID], **home)
    for name in OUTPUTS:
        assert (reporting / name).read_bytes() == by_kedro[name], name
    # MLflow whole: `dags test` runs every task in one process, so, as with `kedro run`, one
    # finished run holds a child run per strategy and replicate
    with sqlite3.connect(project / "mlflow.db") as db:
        runs = db.execute("SELECT run_uuid, status FROM runs").fetchall()
        parents = dict(
            db.execute(
                "SELECT run_uuid, value FROM tags WHERE key = 'mlflow.parentRunId'"
            ).fetchall()
        )
    assert {status for _, status in runs} == {"FINISHED"}
    (top,) = [run for run, _ in runs if run not in parents]
    assert sorted(parents.values()) == [top] * 3 * 2


@pytest.mark.slow
def test_the_tasks_of_one_dag_run_log_into_one_mlflow_run(tmp_path):
    """Tasks in processes of their own, as a scheduler runs them, that name one DAG run
    (the template's SYNTHBALANCE_DAG_RUN) log into one MLflow run; a `kedro run` that names
    none starts its own."""
    project = copy_project(tmp_path / "project")
    environment = kedro_environment(project)
    environment.pop("KEDRO_ENV", None)
    dag_run = "synthbalance_smoke_balance manual__2026-12-06T16:00:00+00:00"
    task = {**environment, "SYNTHBALANCE_DAG_RUN": dag_run}
    nodes = (
        "ingest.load_dataset",
        "imbalance.label_train_for_task",
        "imbalance.label_test_for_task",
    )
    for node, env in zip(nodes, (task, task, environment), strict=True):
        result = subprocess.run(
            kedro_run("--env", "smoke", "--pipelines", "balance", "--nodes", node),
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    with sqlite3.connect(project / "mlflow.db") as db:
        runs = dict(db.execute("SELECT run_uuid, status FROM runs").fetchall())
        (gathered,) = db.execute(
            "SELECT run_uuid FROM tags WHERE key = 'synthbalance.dag_run' AND value = ?", (dag_run,)
        ).fetchall()
        timed = db.execute("SELECT run_uuid, key FROM metrics WHERE key LIKE 'time.%'").fetchall()
    assert len(runs) == 2 and set(runs.values()) == {"FINISHED"}
    gathered_times = sorted(key for run, key in timed if run == gathered[0])
    assert gathered_times == sorted(f"time.{n}" for n in nodes[:2])
