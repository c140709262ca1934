"""Networks trained side by side, each in a process of its own (``classifier.workers``).

A small network's step does not keep two cores busy: on the 2-core EPYC of
docs/index.md a one-thread step is only 1.33 times the two-thread one, so two one-thread
processes do about 1.4 times the work of one process on both threads. The pool is started by
the first node that asks for it and kept until the run's process ends, so later nodes do not
pay the processes' start (importing torch) again.

A network's numbers depend on how many threads summed them, not on which process ran it: each
worker runs torch on ``threads`` threads, as the run's own process does for ``workers: 1``
with the same ``threads`` (``pinned_threads``), so both give the same weights, bit for bit.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import torch

from synthbalance.core import progress

logger = logging.getLogger(__name__)

_pools: dict[tuple[int, int], ProcessPoolExecutor] = {}


class WorkerError(RuntimeError):
    """A worker process died (killed, or out of memory) before its network was trained."""


def threads_per_network(workers: int, threads: int | None) -> int:
    """``threads``, or this process's torch threads shared out among ``workers``."""
    return threads if threads is not None else max(1, torch.get_num_threads() // workers)


@contextmanager
def pinned_threads(threads: int | None) -> Iterator[None]:
    """Torch on ``threads`` threads inside (None: as it is), as before afterwards."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run_side_by_side(
    task: Callable[..., Any], jobs: Sequence[tuple], workers: int, threads: int
) -> list[Any]:
    """``[task(*job) for job in jobs]``, at most ``workers`` at once, each in a worker process
    on ``threads`` torch threads. ``task`` must be a module-level function, as pickle needs."""
    key, label = (workers, threads), progress.where()
    futures = []
    try:
        pool = _pool(workers, threads)
        futures = [pool.submit(_in_worker, task, label, job) for job in jobs]
        return [future.result() for future in futures]
    except BrokenProcessPool as error:  # a worker died, now or while the pool stood idle
        broken = _pools.pop(key, None)
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)
        raise WorkerError(
            f"a worker process of the pool of {workers} (classifier.workers) died before its "
            f"network was trained: killed, or out of memory? Each holds its own copy of a "
            f"training set; `workers: 1` trains in this process"
        ) from error
    finally:  # after a failure, the jobs not started yet do not run (a no-op after success)
        for future in futures:
            future.cancel()


def shutdown() -> None:
    """Stop the pool's processes (the end of the run's process does it as well)."""
    for pool in _pools.values():
        pool.shutdown()
    _pools.clear()


def _pool(workers: int, threads: int) -> ProcessPoolExecutor:
    if (workers, threads) not in _pools:
        shutdown()  # one pool at a time: a run asks for one shape
        logger.info("starting %d worker processes of %d torch thread(s) each", workers, threads)
        _pools[(workers, threads)] = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),  # no forked torch thread pools
            initializer=_start_worker,
            initargs=(threads,),
        )
    return _pools[(workers, threads)]


def _start_worker(threads: int) -> None:
    torch.set_num_threads(threads)
    logging.basicConfig(  # in place of what importing Kedro set up
        level=logging.INFO,
        format="%(asctime)s [worker %(process)d] %(name)s: %(message)s",
        force=True,
    )
    progress.log_lines_only()  # two processes' tqdm bars would overwrite each other


def _in_worker(task: Callable[..., Any], label: str, job: tuple) -> Any:
    progress.set_node(label)
    return task(*job)
