"""What a sweep is: its grid and points, where each point's run keeps its files, and how a
finished point is known.

A point's folder is ``<environment's data>/sweeps/<name>/<point>/``, so points share no file.
A finished point leaves ``<folder>/sweep_point.json`` (``MARKER``) with its fingerprint (the
point's whole parameters, the environment, the pipeline and a digest of the raw images): a
point whose file holds the same fingerprint is not run again. Running the points is
synthbalance.sweep.run's; their MLflow runs, synthbalance.sweep.mlflow_runs's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthbalance.config import IngestParams
from synthbalance.framework.config_loader import DATA_FOLDER, ProjectConfigLoader
from synthbalance.sweep import grid as grids
from synthbalance.sweep.grid import Point
from synthbalance.tracking.store import leaves

MARKER = "sweep_point.json"


@dataclass
class Sweep:
    project: Path
    grid: dict[str, list[Any]]
    env: str | None = None
    pipeline: str = "balance"
    name: str | None = None
    parallel: int = 1
    loader: ProjectConfigLoader = field(init=False)

    def __post_init__(self) -> None:
        self.project = Path(self.project).resolve()
        # the environment the points run in, said to each: `kedro run` alone would take
        # KEDRO_ENV, and the checks and fingerprints must be of the same one
        self.env = self.env or os.environ.get("KEDRO_ENV") or "local"
        if self.pipeline != "balance":
            raise grids.GridError(
                f"--pipelines {self.pipeline}: a sweep draws its curve from "
                f"balance's comparison and verdict; use --pipelines balance"
            )
        self.loader = self._loader()
        self.parameters = dict(self.loader["parameters"])
        grids.check(self.grid, self.parameters)
        if self.parallel < 1:
            raise grids.GridError(f"--parallel must be at least 1, got {self.parallel}")
        self.name = self.name or "+".join(k.rsplit(".", 1)[-1] for k in self.grid)
        if not self.name.replace("+", "").replace("_", "").replace("-", "").isalnum():
            raise grids.GridError(f"--name {self.name!r}: use letters, digits, _, - and + only")
        self.points = grids.points(self.grid)
        data = Path(self.loader["globals"]["data"])
        self.data = data if data.is_absolute() else self.project / data
        self.report_folder = self.data / "08_reporting" / "sweeps" / self.name

    def _loader(self) -> ProjectConfigLoader:
        return ProjectConfigLoader(
            conf_source=str(self.project / "conf"),
            base_env="base",
            default_run_env="local",
            env=self.env,
        )

    def changed_settings(self) -> list[str]:
        """The parameters whose value in conf/ now is not the one the sweep started with."""
        now = leaves(dict(self._loader()["parameters"]))
        then = leaves(self.parameters)
        return sorted(k for k in now.keys() | then.keys() if now.get(k) != then.get(k))

    def folder(self, point: Point) -> Path:
        return self.data / "sweeps" / self.name / point.name

    def fingerprint(self, point: Point) -> str:
        parameters = grids.with_values(self.parameters, point)
        parameters.pop(DATA_FOLDER, None)
        raw = IngestParams(**parameters.get("ingest", {})).source_folder
        raw = raw if raw.is_absolute() else self.project / raw
        text = json.dumps(
            {
                "env": self.env,
                "pipeline": self.pipeline,
                "parameters": parameters,
                "raw": _digest(raw),
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def finished(self, point: Point) -> dict | None:
        """The point's record, when it finished with the same fingerprint."""
        marker = self.folder(point) / MARKER
        if not marker.is_file():
            return None
        record = json.loads(marker.read_text())
        return record if record.get("fingerprint") == self.fingerprint(point) else None

    def command(self, point: Point) -> list[str]:
        kedro = shutil.which("kedro", path=str(Path(sys.executable).parent)) or "kedro"
        folder = os.path.relpath(self.folder(point), self.project)
        return [
            kedro,
            "run",
            "--pipelines",
            self.pipeline,
            "--env",
            self.env,
            "--params",
            f"{point.params},{DATA_FOLDER}={folder}",
        ]


@functools.cache
def _digest(folder: Path) -> str:
    """sha256 of the files under ``folder`` (names and bytes), or "none" without one; once per
    sweep, not once per point and check (MNIST's files are 55 MB)."""
    if not folder.is_dir():
        return "none"
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()
