"""The team's MLflow tracking server (docs/team-server.md): PostgreSQL behind it, artifacts
served by it, and conf/team/mlflow.yml pointing kedro-mlflow at it.

The slow test starts a fresh PostgreSQL cluster and an MLflow server on 127.0.0.1 (free
ports, temporary folders), runs the smoke `balance` in a copy of the project whose smoke
environment has conf/team's mlflow.yml with that server's URL, reads the runs back through
the MLflow client and the database itself, and stops both servers. Without PostgreSQL's
binaries (Debian's `postgresql`, which .ci/run installs) or psycopg2 it skips, unless
``SYNTHBALANCE_REQUIRE_SERVICES=1`` (CI), where it fails.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

from tests.conftest import (
    AGAINST_GAN,
    PROJECT,
    answers,
    copy_project,
    kedro_environment,
    kedro_run,
    stop_process_group,
)

REQUIRE_SERVICES = os.environ.get("SYNTHBALANCE_REQUIRE_SERVICES") == "1"
TEAM_MLFLOW = PROJECT / "conf/team/mlflow.yml"
TEAM_URI = "http://127.0.0.1:5000"  # conf/team/mlflow.yml's server, replaced in the copy
REPLICATES = 2  # conf/smoke
HEADLINE_METRICS = {"test_balanced_accuracy", "test_minority_f1"}
SERVER_START_TIMEOUT = 180  # the MLflow server answers in ~15 s on an idle 2-core machine
# Nothing on 127.0.0.1 goes through a proxy, in this process or in `kedro run`.
NO_PROXY = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@pytest.mark.filterwarnings(r"ignore:register_new_resolver\(\) is deprecated")  # as settings.py
def test_the_team_environment_points_kedro_mlflow_at_the_team_server():
    """conf/team/mlflow.yml replaces base's `server` block only: the experiment, the run
    settings and the parameter flattening stay conf/base's."""
    from kedro.config import OmegaConfigLoader

    loader = OmegaConfigLoader(
        str(PROJECT / "conf"), base_env="base", default_run_env="local", env="team"
    )
    loader.config_patterns["mlflow"] = ["mlflow*", "mlflow*/**", "**/mlflow*"]  # kedro-mlflow's
    merged = loader["mlflow"]
    base = yaml.safe_load((PROJECT / "conf/base/mlflow.yml").read_text())
    assert merged["server"]["mlflow_tracking_uri"] == TEAM_URI
    assert TEAM_MLFLOW.read_text().count(TEAM_URI) == 1  # the one line to change
    assert {key: merged[key] for key in ("tracking", "ui")} == {
        key: base[key] for key in ("tracking", "ui")
    }


# --- the servers ------------------------------------------------------------------------


def _skip_or_fail(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(
            reason + "; SYNTHBALANCE_REQUIRE_SERVICES=1 makes this a failure", pytrace=False
        )
    pytest.skip(reason)


def postgres_bin() -> Path | None:
    """The newest of Debian's PostgreSQL binary folders, /usr/lib/postgresql/<version>/bin."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")]
    found = [p for p in found if p.parent.name.isdigit()]
    return max(found, key=lambda p: int(p.parent.name), default=None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Postgres:
    port: int
    database: str
    user: str
    password: str

    @property
    def url(self) -> str:
        """SQLAlchemy's URL of the database, for `mlflow server --backend-store-uri`."""
        return (
            f"postgresql+psycopg2://{self.user}:{self.password}@127.0.0.1:{self.port}/"
            f"{self.database}"
        )

    def query(self, sql: str) -> list[tuple]:
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            dbname=self.database,
            user=self.user,
            password=self.password,
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        finally:
            connection.close()


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    """A fresh PostgreSQL cluster on 127.0.0.1, with a database `mlflow` owned by a user
    `mlflow` who logs in with a password. PostgreSQL refuses to run as root: as root, the
    cluster belongs to Debian's `postgres` user."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        _skip_or_fail(
            "no PostgreSQL in /usr/lib/postgresql: apt-get install postgresql (.ci/run does)"
        )
    if importlib.util.find_spec("psycopg2") is None:
        _skip_or_fail(
            "MLflow's PostgreSQL driver is missing: pip install psycopg2-binary "
            "(the test extra has it)"
        )
    as_owner: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="synthbalance-postgres-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            _skip_or_fail("PostgreSQL cannot run as root and there is no `postgres` user")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, log = folder / "data", folder / "postgres.log"
    server = Postgres(free_port(), "mlflow", "mlflow", secrets.token_hex(16))

    def run(*command: str) -> None:
        result = subprocess.run([*as_owner, *command], capture_output=True, text=True, timeout=120)
        logged = log.read_text()[-3000:] if log.exists() else ""
        assert result.returncode == 0, f"{command}:\n{result.stdout}{result.stderr}{logged}"

    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        )
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1",
            "start",
        )
        try:
            run(
                str(bin_dir / "psql"),
                "-h",
                str(folder),
                "-p",
                str(server.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                f"CREATE ROLE {server.user} LOGIN PASSWORD '{server.password}'",
                "-c",
                f"CREATE DATABASE {server.database} OWNER {server.user}",
            )
            yield server
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class TrackingServer:
    url: str
    artifacts: Path  # --artifacts-destination: where the server keeps what it is sent


@pytest.fixture
def mlflow_server(postgres: Postgres, tmp_path: Path) -> Iterator[TrackingServer]:
    """`mlflow server` on 127.0.0.1 with its runs in ``postgres`` and its artifacts served
    from a folder of its own, in its own process group, until it answers /health."""
    port = free_port()
    server = TrackingServer(f"http://127.0.0.1:{port}", tmp_path / "mlartifacts")
    command = [
        str(Path(sys.executable).parent / "mlflow"),
        "server",
        "--backend-store-uri",
        postgres.url,
        "--serve-artifacts",
        "--artifacts-destination",
        str(server.artifacts),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    # Without the first, the server also starts a job runner (more processes, a slower start).
    env = {
        **os.environ,
        **NO_PROXY,
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }
    log_path = tmp_path / "mlflow-server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            started = time.monotonic()
            while not answers(f"{server.url}/health"):
                if process.poll() is not None:
                    pytest.fail(
                        f"mlflow server exited ({process.returncode}) before answering:"
                        f"\n{log_path.read_text()[-4000:]}"
                    )
                if time.monotonic() - started > SERVER_START_TIMEOUT:
                    pytest.fail(
                        f"mlflow server did not answer in {SERVER_START_TIMEOUT} s:\n"
                        f"{log_path.read_text()[-4000:]}"
                    )
                time.sleep(0.5)
            yield server
        finally:
            stop_process_group(process)


# --- the run ----------------------------------------------------------------------------


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.slow
def test_the_smoke_balance_is_recorded_on_a_postgres_backed_server(
    postgres: Postgres, mlflow_server: TrackingServer, tmp_path: Path, monkeypatch
):
    for name, value in NO_PROXY.items():
        monkeypatch.setenv(name, value)
    project = copy_project(tmp_path / "project", AGAINST_GAN)
    team = TEAM_MLFLOW.read_text()
    assert TEAM_URI in team
    (project / "conf/smoke/mlflow.yml").write_text(team.replace(TEAM_URI, mlflow_server.url))
    result = subprocess.run(
        kedro_run("--env", "smoke", "--pipelines", "balance"),
        cwd=project,
        env={**kedro_environment(project), **NO_PROXY},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert not (project / "mlflow.db").exists()  # nothing went to the default store

    client = MlflowClient(tracking_uri=mlflow_server.url)
    (experiment,) = client.search_experiments(filter_string="name = 'synthbalance'")
    assert experiment.artifact_location.startswith("mlflow-artifacts:")  # served by the server
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    (parent,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert parent.info.status == "FINISHED"
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(children) == len(runs) - 1 == len(AGAINST_GAN) * REPLICATES
    assert len({(r.data.tags["strategy"], r.data.tags["seed"]) for r in children}) == len(children)
    for child in children:
        assert child.info.status == "FINISHED"
        assert child.data.metrics.keys() >= HEADLINE_METRICS

    # The artifact through the server, and where the server put it.
    assert parent.info.artifact_uri.startswith("mlflow-artifacts:")
    downloaded = client.download_artifacts(
        parent.info.run_id, "comparison/comparison.csv", str(tmp_path / "downloaded")
    )
    expected = rows(project / "data/smoke/08_reporting/comparison.csv")
    assert len(expected) > 1
    assert rows(Path(downloaded)) == expected
    (stored,) = [
        p for p in mlflow_server.artifacts.rglob("comparison.csv") if parent.info.run_id in p.parts
    ]
    assert rows(stored) == expected

    # And the runs are PostgreSQL's rows.
    assert postgres.query("SELECT count(*) FROM runs") == [(1 + len(AGAINST_GAN) * REPLICATES,)]
    for metric in sorted(HEADLINE_METRICS):
        assert postgres.query(
            f"SELECT count(DISTINCT run_uuid) FROM metrics WHERE key = '{metric}'"
        ) == [(len(AGAINST_GAN) * REPLICATES,)]
    status = f"SELECT status FROM runs WHERE run_uuid = '{parent.info.run_id}'"
    assert postgres.query(status) == [("FINISHED",)]
