"""The node's side: hand a training job to ``torchrun`` and read rank 0's result back.

The job travels through a temporary folder: each input ImageSet in the project's own ``.npz``
format, the parameters as JSON. The workers run ``python -m synthbalance.distributed`` (see
``__main__.py``); rank 0 alone writes ``result.pt``. The node then returns what it read, so its
outputs reach the catalog (and MLflow) once, from this process.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

import synthbalance
from synthbalance.core.images import ImageSet, write_image_set
from synthbalance.distributed.rank import Rank

logger = logging.getLogger(__name__)

TAIL_LINES = 60  # of the workers' log, in the error when they fail
# For Kedro's import in the workers: no handlers, warnings only (the worker sets its own).
QUIET_LOGGING = "version: 1\ndisable_existing_loggers: false\nroot: {level: WARNING}\n"


class DistributedTrainingError(RuntimeError):
    """The torchrun workers failed; the message ends with the last lines of their log."""


def run_ranks(
    task: Callable[[dict, dict, Rank], dict],
    world_size: int,
    device: str,
    inputs: dict[str, ImageSet],
    settings: dict,
) -> dict:
    """Run ``task(inputs, job, rank)``, a module-level function, on ``world_size`` processes of
    this machine under DDP (gloo on ``cpu``, NCCL on ``cuda``, one GPU per process): rank 0's
    result. The workers import it by its module and name, as pickle would."""
    name = _name(task)
    if device == "cuda" and world_size > torch.cuda.device_count():
        raise ValueError(
            f"{name}.world_size is {world_size} but this machine has "
            f"{torch.cuda.device_count()} CUDA devices: NCCL needs one per process"
        )
    with tempfile.TemporaryDirectory(prefix=f"synthbalance-{name}-") as folder:
        job = Path(folder)
        for key, image_set in inputs.items():
            with (job / f"{key}.npz").open("wb") as file:
                write_image_set(file, image_set)
        job_file = {
            "task": [task.__module__, task.__qualname__],
            "device": device,
            "inputs": list(inputs),
            **settings,
        }
        (job / "job.json").write_text(json.dumps(job_file))
        (job / "logging.yml").write_text(QUIET_LOGGING)
        logger.info("%s: training on %d processes (torchrun, %s)", name, world_size, device)
        code, tail = _run(_command(world_size, job), _environment(world_size, device, job))
        if code != 0:
            raise DistributedTrainingError(
                f"{name} training failed in its torchrun workers (exit code {code}){_cause(tail)}"
                f"; the last lines of their log:\n" + "".join(tail)
            )
        result = torch.load(job / "result.pt", map_location="cpu", weights_only=True)
    digests = result["digests"]
    if len(set(digests)) == 1:  # DDP keeps the replicas equal; the log says so, or says not
        logger.info(
            "%s: all %d ranks ended with the same weights (%s)", name, world_size, digests[0]
        )
    else:
        logger.warning("%s: the ranks ended with different weights: %s", name, digests)
    return result


def _name(task) -> str:
    """ "gan" or "classifier": the training module's name, for messages and the job folder."""
    return task.__module__.rsplit(".", 1)[-1]


def _cause(tail: list[str]) -> str:
    """': <the exception>' of the first failure: the last exception line in the log, where
    torchrun's summary ends with the failed rank's traceback; '' when there is none."""
    pattern = re.compile(r"^\s*([\w.]+(Error|Exception)): ")
    found = [line.strip() for line in tail if pattern.match(line) and "ChildFailed" not in line]
    return f": {found[-1]}" if found else ""


def _command(world_size: int, job: Path) -> list[str]:
    # `python -m torch.distributed.run` is `torchrun`, from this interpreter's environment.
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={world_size}",
        "-m",
        "synthbalance.distributed",
        str(job),
    ]


def _environment(world_size: int, device: str, job: Path) -> dict[str, str]:
    """This process's environment, with synthbalance importable, Kedro's logging quiet and,
    on a CPU, the cores shared out between the workers (torchrun would give each one)."""
    env = dict(os.environ)
    env["KEDRO_LOGGING_CONFIG"] = str(job / "logging.yml")
    source = str(Path(synthbalance.__file__).parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    if device == "cpu" and os.environ.get("OMP_NUM_THREADS") is None:
        env["OMP_NUM_THREADS"] = str(max(1, torch.get_num_threads() // world_size))
    return env


def _run(command: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    """Run ``command``, passing each line of its output to the log: (exit code, last lines)."""
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    with subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as process:
        for line in process.stdout:
            tail.append(line)
            logger.info("%s", line.rstrip())
    return process.returncode, list(tail)
