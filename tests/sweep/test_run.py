"""Running a sweep, with each point's `kedro run` replaced by a stand-in: conf/ edited
mid-sweep stops it, and the sweep's MLflow client logs in as the points' runs do."""

import os
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from synthbalance.sweep import mlflow_runs, plan, run
from synthbalance.sweep.grid import GridError
from tests.conftest import copy_project

GRID = {"imbalance.profile.keep_fraction": [0.1, 0.2]}
GAN = Path("conf/smoke/parameters_gan.yml")


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path)


def test_conf_edited_during_a_point_stops_the_sweep_and_leaves_the_point_unfinished(
    project, monkeypatch
):
    sweep = plan.Sweep(project, GRID, env="smoke")
    started = []

    def edits_conf(command, **_):  # the first point's run, during which conf/ is edited
        started.append(command)
        gan = project / GAN
        gan.write_text(gan.read_text().replace("steps: 20", "steps: 21", 1))
        return 0

    monkeypatch.setattr(run.subprocess, "call", edits_conf)
    with pytest.raises(run.SettingsChanged, match=r"gan\.steps now differ") as stopped:
        run.run_sweep(sweep)
    assert "point keep_fraction=0.1 may have run with them" in str(stopped.value)
    assert len(started) == 1  # the second point never started
    assert not (sweep.folder(sweep.points[0]) / plan.MARKER).exists()
    client = MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert sorted(r.info.status for r in runs) == ["FAILED", "FAILED"]  # the point and parent


def test_unchanged_conf_is_not_a_change(project):
    sweep = plan.Sweep(project, GRID, env="smoke")
    assert sweep.changed_settings() == []
    (project / GAN).write_text((project / GAN).read_text() + "\n# a comment\n")
    assert sweep.changed_settings() == []


def login(project: Path, credentials: str) -> None:
    (project / "conf/smoke/mlflow.yml").write_text(
        "server:\n  mlflow_tracking_uri: sqlite:///mlflow.db\n  credentials: team_login\n"
    )
    (project / "conf/smoke/credentials.yml").write_text(credentials)


def test_the_sweeps_client_logs_in_with_the_credentials_mlflow_yml_names(project, monkeypatch):
    for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.setenv(name, "")  # put back as it was after the test
    login(
        project,
        "team_login:\n  MLFLOW_TRACKING_USERNAME: ada\n  MLFLOW_TRACKING_PASSWORD: s3cret\n",
    )
    mlflow_runs.connect(plan.Sweep(project, GRID, env="smoke"))
    assert os.environ["MLFLOW_TRACKING_USERNAME"] == "ada"
    assert os.environ["MLFLOW_TRACKING_PASSWORD"] == "s3cret"


def test_credentials_that_are_not_there_are_a_clear_error(project):
    login(project, "other_login:\n  MLFLOW_TRACKING_USERNAME: ada\n")
    with pytest.raises(GridError, match="server.credentials is 'team_login'.*no credentials.yml"):
        mlflow_runs.connect(plan.Sweep(project, GRID, env="smoke"))
