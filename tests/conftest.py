"""Shared fixtures: tiny ImageSets built in a few lines, and no network for Kedro."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# The suite runs on pytest-xdist's workers, one per core (pyproject's addopts): each worker
# and each `kedro run` it starts gets one thread, so that two workers do not fight over the
# cores. Set before torch is imported; a value you set is kept.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pytest
from filelock import FileLock

from synthbalance.core.images import ImageSet

# Kedro's telemetry would try the network at every session; the network is closed here.
os.environ["KEDRO_DISABLE_TELEMETRY"] = "1"

PROJECT = Path(__file__).parents[1]
# A server has this long to answer HTTP: kedro-viz takes 25 s on an idle 2-core machine.
SERVER_START_TIMEOUT = 300


# One log record per line, for tests that wait for a line of a `kedro run` in a subprocess.
PLAIN_LOGGING = """
version: 1
disable_existing_loggers: false
formatters:
  plain: {format: "%(message)s"}
handlers:
  console: {class: logging.StreamHandler, formatter: plain, stream: ext://sys.stdout}
loggers:
  kedro: {level: INFO}
root: {handlers: [console], level: INFO}
"""


# Strategies for a smoke run that tests what a run does, not what each strategy does: a shorter
# run. A simple strategy against the GAN (a verdict, a curve, a GAN to wait for) ...
AGAINST_GAN = ("none", "augment", "gan")
# ... or one of each kind of training set or network: the real images alone, a network another
# strategy reuses (`threshold` adjusts `none`'s), resampled, another loss, the GAN's images and
# the autoencoder's. The other seven differ from these only in a builder's or a loss's
# parameters; tests/pipelines runs all thirteen.
EACH_KIND = ("none", "threshold", "smote", "logit_adjust", "gan", "deepsmote")


def copy_project(folder: Path, strategies: tuple[str, ...] | None = None) -> Path:
    """A copy of the project's conf/, src/ and pyproject.toml in ``folder``: a `kedro run`
    there has its own data/ and mlflow.db. Its logging.yml is `PLAIN_LOGGING`. With
    ``strategies``, its smoke environment runs those (`strategies.run`), not all thirteen."""
    for name in ("conf", "src"):
        shutil.copytree(PROJECT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "pyproject.toml", folder)
    (folder / "logging.yml").write_text(PLAIN_LOGGING)
    if strategies:
        with (folder / "conf/smoke/parameters_strategies.yml").open("a") as conf:
            conf.write(f"  run: [{', '.join(strategies)}]\n")
    return folder


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now (no proxy for 127.0.0.1)."""
    import http.client
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return False


def free_port() -> int:
    """A free port below the system's ephemeral range (Linux: 32768 and up; kedro-viz refuses
    49152 and up, "Cannot allocate an open TCP port"). A port inside it can connect to itself
    while its server is starting: the client's own source port, picked by the kernel from
    that range, is the port it dials, and the poll reads back its own request."""
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = range(10000, min(low, 49152))
    for port in random.sample(ports, min(200, len(ports))):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {ports.start} and {ports.stop - 1}")


@contextlib.contextmanager
def serve(
    name: str, command: list[str], url: str, cwd: Path, env: dict[str, str], logs: Path
) -> Iterator[str]:
    """Run ``command`` in its own process group until ``url`` answers 200; yield ``url``;
    stop the group. The server's output is in ``logs/<name>.log``."""
    log_path = logs / f"{name}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            started = time.monotonic()
            while not answers(url):
                if process.poll() is not None:
                    pytest.fail(
                        f"{name} exited ({process.returncode}) before answering {url}:\n"
                        + log_path.read_text()[-4000:]
                    )
                if time.monotonic() - started > SERVER_START_TIMEOUT:
                    pytest.fail(
                        f"{name} did not answer {url} in {SERVER_START_TIMEOUT} s:\n"
                        + log_path.read_text()[-4000:]
                    )
                time.sleep(0.5)
            print(f"{name} answered {url} after {time.monotonic() - started:.1f} s")
            yield url
        finally:
            stop_process_group(process)


def stop_process_group(process) -> None:
    """SIGTERM to a server's process group, SIGKILL to whatever is left of it 20 s later."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


def kedro_run(*args: str) -> list[str]:
    """`kedro run ARGS` with this interpreter's kedro."""
    return [str(Path(sys.executable).parent / "kedro"), "run", *args]


def kedro_environment(project: Path) -> dict[str, str]:
    """No telemetry, and the copy's plain logging."""
    return {
        **os.environ,
        "KEDRO_DISABLE_TELEMETRY": "1",
        "KEDRO_LOGGING_CONFIG": str(project / "logging.yml"),
    }


def make_image_set(counts: list[int], channels: int = 1, size: int = 8, seed: int = 0) -> ImageSet:
    """``counts[k]`` random images of class k, labels grouped by class."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(counts)), counts)
    images = rng.integers(0, 256, size=(len(labels), channels, size, size), dtype=np.uint8)
    names = tuple(f"c{k}" for k in range(len(counts)))
    return ImageSet(images, labels, names, np.full(len(labels), "real"))


def separable(counts, seed=0) -> ImageSet:
    """Class k: images of grey level 40 + 60 k plus noise, easy to tell apart."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(counts)), counts)
    images = 40 + 60 * labels[:, None, None, None] + rng.integers(0, 20, (len(labels), 1, 8, 8))
    names = tuple(f"c{k}" for k in range(len(counts)))
    return ImageSet(images.astype(np.uint8), labels, names, np.full(len(labels), "real"))


@pytest.fixture
def balanced_set() -> ImageSet:
    return make_image_set([100] * 5)


def built_once(tmp_path_factory, name: str, build) -> Path:
    """The folder ``name`` that ``build(folder)`` fills, built once for the whole test
    session however many xdist workers ask for it: the first one builds it under a file lock,
    the others wait and read it. A build that fails leaves no ``.built`` mark, so the next
    worker to ask tries again and fails with its own message."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' common base folder
    folder = root / name
    with FileLock(str(root / f"{name}.lock")):
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".built").touch()
    return folder


def run_smoke_balance(folder: Path, *params: str) -> str:
    """`kedro run --env smoke --pipelines balance [--params P]` in a copy of the project made
    in ``folder``; its log. The run must succeed."""
    return run_balance(copy_project(folder), "smoke", *params)


def run_balance(project: Path, env: str, *params: str) -> str:
    """`kedro run --env ENV --pipelines balance [--params P]` in ``project``; its log. The run
    must succeed."""
    extra = ["--params", ",".join(params)] if params else []
    result = subprocess.run(
        kedro_run("--env", env, "--pipelines", "balance", *extra),
        cwd=project,
        env=kedro_environment(project),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout + result.stderr


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """One `kedro run --env smoke --pipelines balance` in a copy of the project, shared by the
    tests that read its outputs (the report, the browser tests, the notebook): its data/ is
    in ``data/smoke`` and its MLflow store is ``mlflow.db``, both in the returned folder."""
    return built_once(tmp_path_factory, "smoke_run", run_smoke_balance)
