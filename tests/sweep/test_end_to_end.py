"""`kedro sweep` end to end in the smoke environment: three points, each an ordinary run in its
own data folder, one MLflow parent with a child per point, the curve; killed and resumed."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import AGAINST_GAN, copy_project, kedro_environment

pytestmark = pytest.mark.slow
GRID = "imbalance.profile.keep_fraction=0.1,0.2,0.4"
POINTS = ["keep_fraction=0.1", "keep_fraction=0.2", "keep_fraction=0.4"]


def sweep(project: Path, *args: str, **options):
    command = [str(Path(sys.executable).parent / "kedro"), "sweep", "--env", "smoke", *args]
    return subprocess.run(
        command,
        cwd=project,
        env=kedro_environment(project),
        capture_output=True,
        text=True,
        timeout=900,
        **options,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("sweep"), AGAINST_GAN)


def test_a_bad_grid_stops_before_any_point_runs(project):
    result = sweep(project, "--grid", "imbalance.profile.keep_fraction=0.1,1.5")
    assert result.returncode != 0
    assert "keep_fraction=1.5 is not a valid configuration" in result.stderr
    assert not (project / "data/smoke/sweeps").exists()


def test_a_killed_sweep_resumes_at_its_first_unfinished_point_and_then_runs_nothing(project):
    command = [
        str(Path(sys.executable).parent / "kedro"),
        "sweep",
        "--env",
        "smoke",
        "--grid",
        GRID,
    ]
    first = subprocess.Popen(
        command,
        cwd=project,
        env=kedro_environment(project),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    marker = project / "data/smoke/sweeps/keep_fraction" / POINTS[0] / "sweep_point.json"
    deadline = time.monotonic() + 600
    while not marker.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)  # the sweep and the second point's kedro run
    first.wait(timeout=60)
    assert marker.exists()
    assert not (
        project / "data/smoke/sweeps/keep_fraction" / POINTS[1] / "sweep_point.json"
    ).exists()

    resumed = sweep(project, "--grid", GRID)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert f"1 of 3 points already finished, not run again: {POINTS[0]}" in resumed.stdout
    assert "ran 2 points, 1 already finished" in resumed.stdout

    again = sweep(project, "--grid", GRID)
    assert again.returncode == 0 and "ran 0 points, 3 already finished" in again.stdout

    # each point ran in its own data folder
    for point in POINTS:
        assert (
            project / "data/smoke/sweeps/keep_fraction" / point / "08_reporting/comparison.csv"
        ).is_file()
    report = project / "data/smoke/08_reporting/sweeps/keep_fraction"
    rows = pd.read_csv(report / "curve.csv")
    assert rows.groupby("strategy")["point"].nunique().eq(3).all()
    assert sorted(rows["imbalance.profile.keep_fraction"].unique()) == [0.1, 0.2, 0.4]
    assert (report / "curve.png").stat().st_size > 10_000 and (report / "curve.html").is_file()

    client = MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("synthbalance").experiment_id
    parents = client.search_runs([experiment], "tags.`sweep.role` = 'parent'")
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    assert parents[0].data.params["imbalance.profile.keep_fraction"] == "0.1,0.2,0.4"
    artifacts = {a.path for a in client.list_artifacts(parents[0].info.run_id, "curve")}
    assert {"curve/curve.csv", "curve/curve.png", "curve/curve.html"} <= artifacts
    children = client.search_runs(
        [experiment],
        f"tags.`mlflow.parentRunId` = '{parents[0].info.run_id}' "
        f"and attributes.status = 'FINISHED'",
    )
    assert sorted(c.info.run_name for c in children) == POINTS
    for child in children:
        value = child.info.run_name.split("=")[1]
        assert child.data.params["imbalance.profile.keep_fraction"] == value
        strategies = client.search_runs(
            [experiment], f"tags.`mlflow.parentRunId` = '{child.info.run_id}'"
        )
        # the point's strategy runs (two replicates of each) nest under it, as in any run
        assert len(strategies) == 2 * len(AGAINST_GAN)
