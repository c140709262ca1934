"""GAN and classifier training under DDP.

The slow tests run the nodes with ``world_size: 2``: two CPU processes with gloo, started by
torchrun exactly as in a run. A ``sitecustomize`` on the workers' path notes, per process, each
file it writes (Python's audit hooks), so the tests see which rank wrote what.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from synthbalance.config import ClassifierParams, GanParams
from synthbalance.config.strategies import LdamDrwParams
from synthbalance.core.seeding import torch_generator
from synthbalance.distributed import DistributedTrainingError, Rank
from synthbalance.pipelines.gan.nodes import train_gan
from synthbalance.training import classifier as classifier_training
from synthbalance.training import gan as gan_training
from synthbalance.training.gan_loop import Player
from synthbalance.training.losses import Loss
from tests.conftest import make_image_set
from tests.pipelines.gan.test_nodes import tiny

WATCH = """
import os, sys
if os.environ.get("WATCH_WRITES"):
    _log = open(os.path.join(os.environ["WATCH_WRITES"],
                             f"{os.environ.get('RANK', 'launcher')}.{os.getpid()}"), "w")

    def _note(event, args):
        written = None
        path = args[0] if event == "open" else None
        if isinstance(path, (str, bytes, os.PathLike)) and args[2] & (os.O_WRONLY | os.O_RDWR):
            written = os.fsdecode(path)
        elif event == "os.rename":
            written = os.fsdecode(args[1])
        if written:
            _log.write(written + "\\n")
            _log.flush()

    sys.addaudithook(_note)
"""


@pytest.fixture
def writes(tmp_path, monkeypatch):
    """A function: {process ("0", "1", "launcher"): the files it wrote under tmp_path}."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(WATCH)
    (tmp_path / "writes").mkdir()
    (tmp_path / "jobs").mkdir()
    path = os.pathsep.join(filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.setenv("WATCH_WRITES", str(tmp_path / "writes"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "jobs"))  # the job folders

    def written() -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for log in (tmp_path / "writes").iterdir():
            lines = {line for line in log.read_text().split() if line.startswith(str(tmp_path))}
            if lines:
                found.setdefault(log.name.split(".")[0], set()).update(lines)
        return found

    return written


def spy_on_ranks(monkeypatch, module) -> list[dict]:
    """The results that rank 0 sends back to ``module``'s node."""
    results, run_ranks = [], module.run_ranks

    def spy(*args, **kwargs):
        results.append(run_ranks(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(module, "run_ranks", spy)
    return results


def shapes(module: torch.nn.Module) -> dict[str, tuple]:
    return {key: tuple(value.shape) for key, value in module.state_dict().items()}


def test_a_shard_is_every_world_size_th_item_of_the_padded_batch():
    batch = torch.arange(5)
    shards = [Rank(r, 2, torch.device("cpu")).shard(batch) for r in range(2)]
    assert [s.tolist() for s in shards] == [[0, 2, 4], [1, 3, 0]]  # padded with the first
    assert Rank(0, 1, torch.device("cpu")).shard(batch) is batch
    assert Rank(2, 3, torch.device("cpu")).shard(torch.arange(1)).tolist() == [0]


@pytest.mark.parametrize("kind", ["dcgan", "conditional"])
def test_the_ranks_shards_make_up_the_batch_one_process_draws(kind):
    images = make_image_set([12, 12], size=8)
    tensor = torch.from_numpy(np.array(images.images))
    labels = torch.from_numpy(np.array(images.labels))
    player = Player("x", None, None, None, None, None, tensor, None)
    if kind == "conditional":
        player = Player(
            "all",
            None,
            None,
            None,
            None,
            None,
            tensor,
            labels,
            class_sizes=torch.tensor([12, 12]),
            class_starts=torch.tensor([0, 12]),
            order=torch.arange(24),
            present=torch.tensor([0, 1]),
        )
    alone = player.draw(8, torch_generator(0, "t"))
    parts = [
        Player(
            **{
                **player.__dict__,
                "sampler": torch_generator(0, "t"),
                "shard": Rank(r, 2, torch.device("cpu")).shard,
            }
        ).draw(8, torch.Generator())
        for r in range(2)
    ]
    assert torch.equal(torch.stack([parts[0][0], parts[1][0]], 1).flatten(0, 1), alone[0])
    if kind == "conditional":
        assert torch.equal(torch.stack([parts[0][1], parts[1][1]], 1).flatten(), alone[1])


def test_world_size_is_at_least_one():
    with pytest.raises(ValidationError, match="world_size"):
        GanParams(world_size=0)
    with pytest.raises(ValidationError, match="world_size"):
        ClassifierParams(world_size=0)


def test_world_size_2_trains_its_own_checkpoint(tmp_path):
    train = make_image_set([40, 6, 40], size=8)
    one, two = tiny(tmp_path), tiny(tmp_path, world_size=2)
    fingerprint = gan_training.fingerprint
    assert fingerprint(train, one, 0, [1]) != fingerprint(train, two, 0, [1])


@pytest.mark.slow
def test_a_gan_on_two_ranks(tmp_path, writes, monkeypatch):
    train = make_image_set([40, 6, 40], size=8)
    results = spy_on_ranks(monkeypatch, gan_training)
    params = tiny(tmp_path / "checkpoints", world_size=2, monitor_images=4)
    generator, history, progress, samples, _ = train_gan(train, params, 0)

    (result,) = results
    assert len(result["digests"]) == 2 and len(set(result["digests"])) == 1  # the same weights
    (checkpoint,) = (tmp_path / "checkpoints").iterdir()
    assert len(torch.load(checkpoint, weights_only=True)["ranks"]) == 2  # each rank's stream
    written = writes()
    assert set(written) == {"0"}  # rank 0 alone wrote: the checkpoints and the result
    assert {Path(f).name for f in written["0"]} == {checkpoint.name, "result.pt"}

    # What the node returns is what it returns with world_size 1.
    alone = train_gan(train, tiny(tmp_path / "alone", monitor_images=4), 0)
    assert type(generator) is type(alone[0]) and generator.config == alone[0].config
    assert shapes(generator) == shapes(alone[0]) and not generator.training
    assert list(history.columns) == list(alone[1].columns)
    assert history["step"].tolist() == alone[1]["step"].tolist()
    assert (
        list(progress) == list(alone[2])
        and progress["step_000006"].size == alone[2]["step_000006"].size
    )
    assert list(samples) == list(alone[3])
    assert samples["step_000006"].images.shape == alone[3]["step_000006"].images.shape


@pytest.mark.slow
def test_a_gan_on_two_ranks_resumes_to_the_same_weights(tmp_path):
    train = make_image_set([40, 6, 40], size=8)
    straight, _, _, _, _ = train_gan(train, tiny(tmp_path / "a", world_size=2, steps=6), 0)
    train_gan(train, tiny(tmp_path / "b", world_size=2, steps=3), 0)
    resumed, _, _, _, _ = train_gan(train, tiny(tmp_path / "b", world_size=2, steps=6), 0)
    for key, value in straight.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key


@pytest.mark.slow
def test_a_failing_worker_is_a_clear_error_with_its_log(tmp_path):
    train = make_image_set([40, 6, 40], size=8)
    params = tiny(tmp_path, world_size=2)
    classes = gan_training.gan_classes(train, params)
    fingerprint = gan_training.fingerprint(train, params, 0, classes)
    (tmp_path / f"gan-{fingerprint}.pt").write_bytes(b"not a checkpoint")
    cause = r"(?s)exit code 1\): \S*GanTrainingError: checkpoint \S+ cannot be read.*Traceback"
    with pytest.raises(DistributedTrainingError, match=cause):
        train_gan(train, params, 0)


# LDAM-DRW: its settings and its cosine head travel to the ranks (re-weighting from step 11).
LDAM = Loss("ldam_drw", LdamDrwParams(drw_start=0.5).model_dump())


@pytest.mark.slow
def test_a_classifier_on_two_ranks(tmp_path, writes, monkeypatch):
    train, validation = make_image_set([30, 10]), make_image_set([10, 4], seed=1)
    results = spy_on_ranks(monkeypatch, classifier_training)
    params = ClassifierParams(width=4, steps=20, batch_size=16, eval_every=10, resume=False)
    classifier, history = classifier_training.train_classifier(
        train, validation, params.model_copy(update={"world_size": 2}), 0, LDAM
    )

    (result,) = results
    assert len(result["digests"]) == 2 and len(set(result["digests"])) == 1
    written = writes()
    assert set(written) == {"0"} and {Path(f).name for f in written["0"]} == {"result.pt"}

    alone, alone_history = classifier_training.train_classifier(train, validation, params, 0, LDAM)
    assert classifier.config == alone.config and shapes(classifier) == shapes(alone)
    assert not classifier.training
    assert history[["step"]].equals(alone_history[["step"]])
    assert list(history.columns) == list(alone_history.columns)
    assert classifier(torch.zeros(3, 1, 8, 8), 0).shape == (3, 2)


@pytest.mark.slow
def test_the_stopping_rule_runs_on_two_ranks(tmp_path):
    """Every rank scores and rank 0's decision is every rank's, so the ranks stop together
    (a rank that went on alone would hang its all-reduce); the best scoring's generator and
    critic, unwrapped from DDP, come back as they do from one process."""
    from synthbalance.config import StoppingParams

    train = make_image_set([40, 12, 40], size=8)
    validation = make_image_set([6, 4, 6], size=8)
    rule = StoppingParams(every=2, images=8, patience=2, min_improvement=0.5, components=4)
    params = tiny(tmp_path / "two", world_size=2, steps=12, stopping=rule)
    *_, metrics = train_gan(train, params, 0, validation)
    stopped = metrics["stopped_at"][0]["value"]
    assert 2 <= stopped <= 12 and metrics["best_step"][0]["value"] <= stopped
    assert [p["step"] for p in metrics["signal"]] == list(range(2, int(stopped) + 1, 2))
