"""``classifier.workers``: a strategy's networks trained side by side in worker processes."""

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from synthbalance.config import ClassifierParams
from synthbalance.training import replicates as training
from synthbalance.training import workers
from synthbalance.training.replicates import train_replicates
from tests.conftest import separable


@pytest.fixture
def params(tmp_path) -> ClassifierParams:
    return ClassifierParams(
        width=4, steps=30, batch_size=16, eval_every=10, checkpoint_dir=str(tmp_path / "kept")
    )


@pytest.fixture(autouse=True, scope="module")
def no_pool_left():
    yield
    workers.shutdown()


def same_weights(a, b) -> bool:
    return all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())


def die() -> None:
    os._exit(3)


@pytest.mark.slow  # starts worker processes, each importing torch
def test_workers_train_the_networks_one_thread_trains_bit_for_bit(params, monkeypatch):
    trains = [separable([60, 20], seed=s) for s in range(3)]
    validations = [separable([20, 6], seed=10 + s) for s in range(3)]
    one_thread = params.model_copy(update={"threads": 1})
    threads = torch.get_num_threads()
    train_replicates(trains[:1], validations[:1], one_thread, seed=7)  # replicate 0 kept
    assert torch.get_num_threads() == threads  # put back after the network
    # replicate 0 read here, 1 and 2 trained by the workers, on one thread each
    pooled = params.model_copy(update={"workers": 2, "threads": 1})
    side, side_curves = train_replicates(trains, validations, pooled, seed=7)
    assert len(list(Path(params.checkpoint_dir).glob("classifier-*.pt"))) == 3
    alone, alone_curves = train_replicates(
        trains, validations, one_thread.model_copy(update={"resume": False}), seed=7
    )
    assert same_weights(side, alone) and side_curves.equals(alone_curves)

    def refuse(*args, **kwargs):
        raise AssertionError("trained again")

    # the workers kept their networks under the fingerprint of one thread
    monkeypatch.setattr(training, "train_classifier", refuse)
    kept, _ = train_replicates(trains, validations, one_thread, 7)
    assert same_weights(kept, alone)
    with pytest.raises(AssertionError, match="trained again"):  # two threads: other networks
        train_replicates(trains, validations, params.model_copy(update={"threads": 2}), 7)


def test_threads_stay_out_of_the_fingerprint_unless_pinned(params):
    train, validation = separable([30, 10]), separable([10, 4], seed=1)

    def key(**update):
        return training.fingerprint(train, validation, params.model_copy(update=update), 3)

    assert key() == key(workers=1) != key(threads=1)  # the networks kept before still match
    assert key(workers=2, threads=1) == key(threads=1) != key(threads=2)
    shared = max(1, torch.get_num_threads() // 2)  # the threads two workers share out
    assert key(workers=2) == key(threads=shared)


@pytest.mark.slow
def test_a_worker_that_dies_is_a_clear_error_and_the_next_pool_starts_afresh():
    with pytest.raises(workers.WorkerError, match="died before its network was trained"):
        workers.run_side_by_side(die, [()], 2, 2)
    assert workers.run_side_by_side(torch.get_num_threads, [()] * 2, 2, 2) == [2, 2]


def test_workers_with_world_size_or_off_the_cpu_are_refused(params, monkeypatch):
    with pytest.raises(ValueError, match="choose one"):
        ClassifierParams(workers=2, world_size=2)
    gpu = SimpleNamespace(device=torch.device("cuda"), describe=lambda: "cuda")
    monkeypatch.setattr(training.Engine, "of", lambda *args: gpu)
    with pytest.raises(ValueError, match="worker processes share the CPU's cores"):
        train_replicates(
            [separable([30, 10])],
            [separable([10, 4], 1)],
            params.model_copy(update={"workers": 2}),
            0,
        )
