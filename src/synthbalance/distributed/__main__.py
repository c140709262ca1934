"""One torchrun worker: ``python -m synthbalance.distributed <job folder>``.

torchrun sets RANK, WORLD_SIZE, LOCAL_RANK and the rendezvous address; the job folder holds
``job.json`` (which function to run, its settings) and the input ImageSets. Rank 0 writes
``result.pt``; no rank touches MLflow.
"""

from __future__ import annotations

import gc
import importlib
import json
import logging
import os
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from torch.distributed.elastic.multiprocessing.errors import record

from synthbalance.core.images import read_image_set
from synthbalance.distributed.rank import Rank


def task_of(job: dict):
    """The function ``run_ranks`` was given, ``task(inputs, job, rank) -> dict``, found by its
    module and name (the caller's import decides what runs: no table of tasks here)."""
    module, name = job["task"]
    return getattr(importlib.import_module(module), name)


def join(device_type: str) -> Rank:
    """Join torchrun's process group: NCCL and the GPU of this local rank on CUDA, else gloo."""
    local_rank = int(os.environ["LOCAL_RANK"])
    if device_type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        device = torch.device("cpu")
        dist.init_process_group("gloo")
    return Rank(dist.get_rank(), dist.get_world_size(), device)


@record  # a failure's traceback goes into torchrun's summary, which the node shows
def main(folder: Path) -> None:
    job = json.loads((folder / "job.json").read_text())
    task = task_of(job)
    rank = join(job["device"])
    # Plain lines, which the node passes on to its log; replaces the handlers Kedro's import
    # installed. The other ranks say the same things: only their errors are shown.
    logging.basicConfig(
        level=logging.INFO if rank.rank == 0 else logging.ERROR,
        force=True,
        format=f"rank {rank.rank}: %(name)s: %(message)s",
    )
    try:
        inputs = {}
        for name in job["inputs"]:
            with (folder / f"{name}.npz").open("rb") as file:
                inputs[name] = read_image_set(file)
        result = task(inputs, job, rank)
        digests = rank.gather(result.pop("digest"))
        if rank.rank == 0:
            with (folder / "result.pt").open("wb") as file:
                torch.save(result | {"digests": digests}, file)
        dist.barrier()  # no rank leaves while another still talks to it
    finally:
        # DDP's reducers hold the process group: collect them, so that the group goes here
        # and not while the interpreter shuts down, where a gloo thread destroyed that late
        # aborts the process ("terminate called without an active exception").
        gc.collect()
        dist.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
