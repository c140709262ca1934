"""Running a sweep: every point an ordinary ``kedro run`` in its own data folder.

A point's run is ``kedro run --pipelines P [--env E] --params <its values>,data_folder=<its
folder>`` in a subprocess, its output in ``<folder>/run.log``. Its folder is
``<environment's data>/sweeps/<name>/<point>/``, so points share no file and may run at once
(``parallel``). MLflow: one parent run for the sweep (its grid as parameters, tags
``sweep.name`` and ``sweep.role=parent``); for each point a child run made here, with the
point's values as parameters, which the point's ``kedro run`` then logs into (MLflow's
``MLFLOW_RUN_ID``), so its strategy runs nest under it as in any run.

A finished point leaves ``<folder>/sweep_point.json`` with its fingerprint (the point's whole
parameters, the environment, the pipeline and a digest of the raw images): a point whose file
holds the same fingerprint is not run again, so a killed sweep goes on at its first unfinished
point, and a second call of a finished sweep runs nothing. The environment's parameters are
read again before and after each point: an edit of conf/ while the sweep runs stops it
(``SettingsChanged``), the point that may have run the new settings left unfinished.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import mlflow
from mlflow.entities import RunStatus
from tqdm.auto import tqdm

from synthbalance.sweep.grid import Point
from synthbalance.sweep.mlflow_runs import Tracking, adopt, child_run, connect, parent_run
from synthbalance.sweep.plan import MARKER, Sweep


class PointFailed(RuntimeError):
    """A point's ``kedro run`` failed; its log says why."""


class SettingsChanged(PointFailed):
    """conf/ was edited while the sweep ran: its points would not all have the same settings."""


def run_sweep(sweep: Sweep) -> dict[str, Any]:
    """Run every unfinished point, then write the curve. {"ran": [...], "skipped": [...],
    "parent_run_id": ..., "report_folder": ...}."""
    from synthbalance.sweep import curve  # matplotlib, only once points are done

    tracking = connect(sweep)
    parent = parent_run(sweep, tracking)
    todo = [p for p in sweep.points if sweep.finished(p) is None]
    skipped = [p.name for p in sweep.points if p not in todo]
    if skipped:
        tqdm.write(
            f"sweep {sweep.name}: {len(skipped)} of {len(sweep.points)} points already "
            f"finished, not run again: {', '.join(skipped)}"
        )
    for point in sweep.points:
        record = None if point in todo else sweep.finished(point)
        if record and record.get("run_id"):  # an earlier parent's child: this sweep's now
            adopt(tracking, record["run_id"], parent, point)
    try:
        failures = _run_points(sweep, todo, tracking, parent)
    except SettingsChanged:
        tracking.client.set_terminated(parent, RunStatus.to_string(RunStatus.FAILED))
        raise
    except BaseException:  # Ctrl-C: the parent says so
        tracking.client.set_terminated(parent, RunStatus.to_string(RunStatus.KILLED))
        raise
    if failures:
        tracking.client.set_terminated(parent, RunStatus.to_string(RunStatus.FAILED))
        raise PointFailed(
            "; ".join(failures) + ". The points that finished are kept: run the same "
            "`kedro sweep` again to go on with the rest."
        )
    written = curve.write(sweep, [(p, sweep.folder(p)) for p in sweep.points])
    with mlflow.start_run(run_id=parent):
        for path in written:
            mlflow.log_artifact(str(path), artifact_path="curve")
    tracking.client.set_terminated(parent, RunStatus.to_string(RunStatus.FINISHED))
    return {
        "ran": [p.name for p in todo],
        "skipped": skipped,
        "parent_run_id": parent,
        "report_folder": sweep.report_folder,
    }


def _run_point(
    sweep: Sweep, point: Point, tracking: Tracking, parent: str, environment: dict[str, str]
) -> tuple[Point, float, int]:
    """One point's `kedro run` in its child run; its marker written when it succeeded."""
    folder = sweep.folder(point)
    _same_settings(sweep, point, "would start with them")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).unlink(missing_ok=True)  # an earlier fingerprint's: not this run's
    run_id = child_run(sweep, point, tracking, parent)
    started = time.perf_counter()
    with (folder / "run.log").open("w") as log:
        code = subprocess.call(
            sweep.command(point),
            cwd=sweep.project,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**environment, "MLFLOW_RUN_ID": run_id},
        )
    seconds = time.perf_counter() - started
    tracking.client.set_tag(run_id, "mlflow.runName", point.name)  # kedro-mlflow renames it
    if code == 0:
        _same_settings(
            sweep, point, "may have run with them, so it is not marked finished", tracking, run_id
        )
        record = {
            "point": point.as_dict(),
            "fingerprint": sweep.fingerprint(point),
            "run_id": run_id,
            "seconds": round(seconds, 1),
        }
        (folder / f"{MARKER}.tmp").write_text(json.dumps(record, indent=2, default=str))
        (folder / f"{MARKER}.tmp").replace(folder / MARKER)
    elif tracking.client.get_run(run_id).info.status == "RUNNING":
        tracking.client.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
    return point, seconds, code


def _same_settings(
    sweep: Sweep,
    point: Point,
    what: str,
    tracking: Tracking | None = None,
    run_id: str | None = None,
) -> None:
    """Raise ``SettingsChanged`` when conf/ no longer gives the parameters the sweep started
    with (the point's child run, if any, marked failed)."""
    changed = sweep.changed_settings()
    if not changed:
        return
    if tracking and run_id:
        tracking.client.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    raise SettingsChanged(
        f"conf/ changed while the sweep ran: {shown} now differ from the sweep's start, and "
        f"point {point.name} {what}. Points already finished keep their settings; run the "
        f"same `kedro sweep` again and the points whose parameters changed run again"
    )


def _run_points(sweep: Sweep, todo: list[Point], tracking: Tracking, parent: str) -> list[str]:
    """Run ``todo`` (``sweep.parallel`` at a time); the failures, in words."""
    environment = dict(os.environ)
    if sweep.parallel > 1 and "OMP_NUM_THREADS" not in environment:
        threads = max(1, (os.cpu_count() or 1) // sweep.parallel)
        environment["OMP_NUM_THREADS"] = str(threads)  # points at once share the cores
    failures, progress = (
        [],
        tqdm(total=len(todo), desc=f"sweep {sweep.name}", unit="point", disable=None),
    )

    def one(point: Point) -> tuple[Point, float, int | str]:
        try:
            return _run_point(sweep, point, tracking, parent, environment)
        except SettingsChanged:
            raise
        except Exception as error:  # said with the other failures, the finished points kept
            return point, 0.0, f"{type(error).__name__}: {error}"

    spent = []
    with ThreadPoolExecutor(sweep.parallel) as pool:
        for done in as_completed([pool.submit(one, p) for p in todo]):
            point, seconds, code = done.result()
            progress.update()
            spent.append(seconds)
            left = (len(todo) - len(spent)) * sum(spent) / len(spent) / sweep.parallel
            outcome = (
                "finished"
                if code == 0
                else f"FAILED (exit {code})"
                if isinstance(code, int)
                else f"FAILED ({code})"
            )
            progress.write(
                f"sweep {sweep.name}: point {point.name} {outcome} in {seconds:.0f} s"
                f" ({len(spent)} of {len(todo)}; about {left:.0f} s left)"
            )
            if code:
                failures.append(
                    f"point {point.name} failed; its log is {sweep.folder(point) / 'run.log'}"
                )
    progress.close()
    return failures
