"""A sweep's MLflow runs: the store and experiment its points use, its parent run (one per
name, environment and grid, found again by a later call), a child run per point, which the
point's ``kedro run`` logs into (``MLFLOW_RUN_ID``), and the login of mlflow.yml's
``server.credentials``."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mlflow
from kedro.config import MissingConfigException
from mlflow.entities import RunStatus
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from synthbalance.sweep import grid as grids
from synthbalance.sweep.grid import Point
from synthbalance.tracking.store import tracking_uri

if TYPE_CHECKING:
    from synthbalance.sweep.plan import Sweep


@dataclass
class Tracking:
    client: MlflowClient
    experiment_id: str


def connect(sweep: Sweep) -> Tracking:
    """The store and experiment the points' kedro-mlflow runs use (the environment's
    mlflow.yml), set as this process's too."""
    sweep.loader.config_patterns.setdefault("mlflow", ["mlflow*", "mlflow*/**", "**/mlflow*"])
    try:
        conf = sweep.loader["mlflow"]
    except MissingConfigException:  # no mlflow.yml: kedro-mlflow's defaults
        conf = {}
    uri = tracking_uri(conf.get("server"))  # as the project's hook reads it
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        uri = f"sqlite:///{sweep.project / uri.removeprefix('sqlite:///')}"
    os.environ.update(_credentials(sweep, (conf.get("server") or {}).get("credentials")))
    mlflow.set_tracking_uri(uri)
    name = ((conf.get("tracking") or {}).get("experiment") or {}).get("name") or "Default"
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name(name)
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(name)
    return Tracking(client, experiment_id)


def _credentials(sweep: Sweep, key: str | None) -> dict[str, str]:
    """The login that mlflow.yml's ``server.credentials`` names in credentials.yml (such as
    MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD), which kedro-mlflow exports as
    environment variables: the sweep's client needs them as the points' runs do."""
    if not key:
        return {}
    try:
        found = sweep.loader["credentials"].get(key)
    except MissingConfigException:
        found = None
    if not isinstance(found, dict) or not found:
        raise grids.GridError(
            f"mlflow.yml's server.credentials is {key!r}, but no credentials.yml of "
            f"conf/base or conf/{sweep.env} has a mapping under that key; add one (for "
            f"example {key}: {{MLFLOW_TRACKING_USERNAME: ..., MLFLOW_TRACKING_PASSWORD: ...}}) "
            f"or set server.credentials to null"
        )
    return {str(name): str(value) for name, value in found.items()}


def parent_run(sweep: Sweep, tracking: Tracking) -> str:
    """The sweep's parent run: the one of an earlier call with this name and grid, else new."""
    grid = json.dumps(sweep.grid, sort_keys=True)
    found = tracking.client.search_runs(
        [tracking.experiment_id],
        f"tags.`sweep.name` = '{sweep.name}' and tags.`sweep.role` = 'parent' "
        f"and tags.`sweep.env` = '{sweep.env}'",
    )
    for run in found:
        if run.data.tags.get("sweep.grid") == grid:
            tracking.client.update_run(run.info.run_id, RunStatus.to_string(RunStatus.RUNNING))
            return run.info.run_id
    run = tracking.client.create_run(
        tracking.experiment_id,
        run_name=f"sweep {sweep.name}",
        tags={
            "sweep.name": sweep.name,
            "sweep.role": "parent",
            "sweep.env": sweep.env,
            "sweep.grid": grid,
            "sweep.pipeline": sweep.pipeline,
        },
    )
    for key, values in sweep.grid.items():
        tracking.client.log_param(run.info.run_id, key, ",".join(map(grids.text, values)))
    tracking.client.log_param(run.info.run_id, "sweep.points", len(sweep.points))
    return run.info.run_id


def adopt(tracking: Tracking, run_id: str, parent: str, point: Point) -> None:
    """``run_id`` made a child of ``parent``, named after its point (kedro-mlflow names a run
    after its pipeline)."""
    # a run deleted from the store since: the curve still has the point
    with contextlib.suppress(MlflowException):
        tracking.client.set_tag(run_id, "mlflow.parentRunId", parent)
        tracking.client.set_tag(run_id, "mlflow.runName", point.name)


def open_runs(sweep: Sweep) -> dict[str, str]:
    """The sweep's parent run (an earlier call's with this name and grid, else new) and a new
    child run under it for every point: {point: child run id}. What an orchestrator that runs
    the points itself (the ``--airflow`` DAG's first task) hands to each point's tasks as
    ``MLFLOW_RUN_ID``."""
    tracking = connect(sweep)
    parent = parent_run(sweep, tracking)
    return {point.name: child_run(sweep, point, tracking, parent) for point in sweep.points}


def child_run(sweep: Sweep, point: Point, tracking: Tracking, parent: str) -> str:
    """A new run for ``point`` under ``parent``; an earlier attempt's, unfinished, is marked
    killed."""
    earlier = tracking.client.search_runs(
        [tracking.experiment_id],
        f"tags.`mlflow.parentRunId` = '{parent}' and attributes.status = 'RUNNING'",
    )
    for run in (r for r in earlier if r.data.tags.get("sweep.point") == point.name):
        tracking.client.set_terminated(run.info.run_id, RunStatus.to_string(RunStatus.KILLED))
    run = tracking.client.create_run(
        tracking.experiment_id,
        run_name=point.name,
        tags={"mlflow.parentRunId": parent, "sweep.name": sweep.name, "sweep.point": point.name},
    )
    # the point's values as parameters: its kedro run logs each under its own key (as the
    # parameter model writes it, 1.0 for a float given as 1), so they are not logged here too;
    # MLflow refuses a second value for a parameter
    return run.info.run_id
