"""One `kedro run` at a time per data folder; the tasks of one Airflow DAG run side by side.

Two runs writing the same ``data/`` would feed each other: a versioned dataset loads the
latest version on disk, which may be the other run's, and the strategies' training sets,
classifiers and tables share their paths. So a run takes an exclusive ``flock`` on
``<data>/.kedro-run.lock`` before its MLflow run starts and keeps it to the end; a second
run in the same environment logs who holds it and waits its turn, then runs whole. Runs
in other environments (another ``--env``: another data folder) or in another copy of the
project run alongside; they may share one MLflow store.

A task of the project's Airflow DAG (templates/airflow_dag_template.j2) is a Kedro session
of one node, and it says so in ``SYNTHBALANCE_DAG_RUN`` (the DAG's id and the run's). It
takes the lock *shared*: the tasks of a DAG run go side by side, and a whole `kedro run`
waits for the running ones (and they for it). Side by side is safe because what tasks of
one DAG run write never crosses: every dataset has one node that writes it (Kedro's rule),
whole (the project's datasets write a temporary file and rename it), and the DAG starts a
reader only after its writer has finished; the files outside the catalog — the GAN's and
the classifiers' checkpoints, the quality stage's extractor cache — are named by the
content they hold and also renamed into place; and the MLflow store takes concurrent
writers (synthbalance.tracking.store). Two DAG runs on one folder are kept apart by the DAG's
``max_active_runs=1``, not by this lock.

The kernel drops a ``flock`` when its process dies, so a killed run leaves nothing to
clean up: the next run takes the lock at once.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl

log = logging.getLogger(__name__)

POLL_S = 1.0
# Set by each task of the project's Airflow DAG: "<dag id> <run id>"; its session shares the
# data folder with the other tasks (see above).
DAG_RUN_VARIABLE = "SYNTHBALANCE_DAG_RUN"


class DataFolderLock:
    """The lock on one data folder, held by this process while it runs."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".kedro-run.lock"
        self._handle: int | None = None

    def acquire(self, description: dict[str, object], shared: bool = False) -> float:
        """Wait for the folder, then hold it, alone or ``shared`` with other DAG tasks;
        returns the seconds waited."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        start = time.monotonic()
        announced = False
        while True:
            try:
                fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not announced:
                    log.warning(
                        "Another `kedro run` or a DAG run's task is using %s (%s). Waiting "
                        "for it to finish: two runs on one data folder would read each "
                        "other's files. Stop this one with Ctrl-C, or run beside it in "
                        "another environment (--env) whose data folder differs.",
                        self.path.parent,
                        _holder(self.path),
                    )
                    announced = True
                time.sleep(POLL_S)
        # Who holds it, for a waiting run's message (shared holders overwrite one another:
        # the last task to start is named, or, mid-write, "holder unknown").
        os.ftruncate(handle, 0)
        os.pwrite(handle, json.dumps(description).encode(), 0)
        self._handle = handle
        waited = time.monotonic() - start
        if announced:
            log.info("Waited %.0f s for the other run; this one starts now.", waited)
        return waited

    def release(self) -> None:
        if self._handle is not None:
            os.close(self._handle)  # releases the flock
            self._handle = None


def dag_run() -> str | None:
    """The Airflow DAG run this session is a task of, if any (``DAG_RUN_VARIABLE``)."""
    return os.environ.get(DAG_RUN_VARIABLE) or None


def describe_run(run_params: dict) -> dict[str, object]:
    """What a waiting run says about the one it waits for."""
    if dag_run():
        task = f"task {run_params.get('node_names')} of DAG run {dag_run()}"
        return {"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S"), "command": task}
    return {
        "pid": os.getpid(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "command": " ".join(["kedro", *sys.argv[1:]]) if sys.argv else "",
        "pipelines": run_params.get("pipeline_names"),
        "env": run_params.get("env"),
    }


def _holder(path: Path) -> str:
    try:
        held = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        held = {}
    if not held:
        return "holder unknown"
    return f"pid {held.get('pid')}, started {held.get('started')}: {held.get('command')}"


class RunLockHook:
    """One run per data folder (`run_lock`), shared by the tasks of one Airflow DAG run:
    taken before kedro-mlflow starts the MLflow run (``tryfirst``), given back after it ends
    it (``trylast``)."""

    def __init__(self) -> None:
        self._lock: DataFolderLock | None = None
        self._folder: Path | None = None

    @hook_impl
    def after_context_created(self, context) -> None:
        data = context.config_loader["globals"].get("data", "data")
        self._folder = Path(context.project_path) / data

    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params: dict[str, Any]) -> None:
        self._lock = DataFolderLock(self._folder or Path(run_params["project_path"]) / "data")
        self._lock.acquire(describe_run(run_params), shared=dag_run() is not None)

    @hook_impl(trylast=True)
    def after_pipeline_run(self) -> None:
        self._release()

    @hook_impl(trylast=True)
    def on_pipeline_error(self) -> None:
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
