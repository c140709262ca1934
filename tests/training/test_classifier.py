from pathlib import Path

import numpy as np
import pytest
import torch

from synthbalance.config import ClassifierParams, StrategiesParams
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import replicate_seed
from synthbalance.models.classifier import CosineLinear
from synthbalance.training import replicates as training
from synthbalance.training.classifier import train_classifier, validation_scores
from synthbalance.training.losses import Loss, class_weights
from synthbalance.training.replicates import kept_classifier, train_replicates
from tests.conftest import make_image_set, separable


@pytest.fixture
def params(tmp_path) -> ClassifierParams:
    return ClassifierParams(
        width=4,
        steps=30,
        batch_size=16,
        eval_every=10,
        keep="best",
        checkpoint_dir=str(tmp_path / "kept"),
    )


def same_weights(a, b) -> bool:
    return all(
        np.array_equal(v.numpy(), b.state_dict()[k].numpy()) for k, v in a.state_dict().items()
    )


def test_one_network_per_replicate_selected_on_its_validation_set(params):
    trains = [separable([60, 20]), separable([60, 20], seed=5)]
    validations = [separable([20, 6], seed=1), separable([20, 6], seed=6)]
    classifier, history = train_replicates(trains, validations, params, seed=0)
    assert classifier.replicates == [0, 1] and list(classifier.nets) == ["0", "1"]
    steps = history.groupby("replicate")["step"].apply(list).to_dict()
    assert steps == {0: [10, 20, 30], 1: [10, 20, 30]}
    for r in (0, 1):
        best = history[history["replicate"] == r]["val_balanced_accuracy"].max()
        kept = validation_scores(classifier, r, validations[r])["val_balanced_accuracy"]
        assert kept == pytest.approx(best)


def test_replicate_r_is_the_network_of_replicate_r_s_seed_alone(params):
    """Replicate 1's network depends on its own data and seed only, not on replicate 0's."""
    trains, validations = [separable([30, 10]), separable([30, 10], 4)], [separable([10, 4], 1)] * 2
    both, _ = train_replicates(trains, validations, params, seed=3)
    alone, _ = train_classifier(trains[1], validations[1], params, replicate_seed(3, 1))
    assert same_weights(alone.nets["0"], both.nets["1"])


def test_replicates_draw_different_networks_and_the_same_replicate_twice_the_same(params):
    same = [separable([30, 10])] * 2
    validations = [separable([10, 4], 1)] * 2
    first, _ = train_replicates(same, validations, params.model_copy(update={"resume": False}), 3)
    again, _ = train_replicates(same, validations, params.model_copy(update={"resume": False}), 3)
    assert same_weights(first, again)
    assert not same_weights(first.nets["0"], first.nets["1"])  # same data, other seed


def test_a_kept_network_is_read_back_not_trained_again(params, monkeypatch):
    train, validation = separable([30, 10]), separable([10, 4], 1)
    trained, history = kept_classifier(train, validation, params, seed=3)
    assert len(list(Path(params.checkpoint_dir).glob("classifier-*.pt"))) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(training, "train_classifier", refuse)
    again, history_again = kept_classifier(train, validation, params, seed=3)
    assert same_weights(trained, again) and history_again.equals(history)
    with pytest.raises(AssertionError, match="trained again"):  # another seed: another network
        kept_classifier(train, validation, params, seed=4)


def test_same_seed_same_classifier(params):
    train, validation = separable([30, 10]), separable([10, 4], seed=1)
    first, _ = train_classifier(train, validation, params, seed=3)
    again, _ = train_classifier(train, validation, params, seed=3)
    assert same_weights(first, again)


def test_class_weights_are_balanced_and_zero_for_an_absent_class():
    weights = class_weights(make_image_set([30, 10, 0]).class_counts())
    assert weights.tolist() == pytest.approx([40 / 90, 40 / 30, 0.0])


def test_a_validation_set_per_training_set_is_required(params):
    with pytest.raises(ValueError, match="one validation set per training set"):
        train_replicates([separable([30, 10])] * 2, [separable([10, 4], 1)], params, 0)


def test_a_one_cycle_schedule_trains_another_network_kept_under_another_fingerprint(params):
    train, validation = separable([30, 10]), separable([10, 4], seed=1)
    cycle = params.model_copy(update={"schedule": "one_cycle", "lr": 3e-3})
    constant, _ = train_classifier(train, validation, params, seed=3)
    cycled, history = train_classifier(train, validation, cycle, seed=3)
    assert not same_weights(constant, cycled) and list(history["step"]) == [10, 20, 30]
    assert training.fingerprint(train, validation, params, 3) != training.fingerprint(
        train, validation, cycle, 3
    )


def test_batch_moves_train_another_network_and_none_keep_the_old_fingerprint(params, monkeypatch):
    train, validation = separable([30, 10]), separable([10, 4], seed=1)
    moved = params.model_copy(update={"batch_augment": ["flip", "crop"]})
    plain, _ = train_classifier(train, validation, params, seed=3)
    flipped, _ = train_classifier(train, validation, moved, seed=3)
    again, _ = train_classifier(train, validation, moved, seed=3)
    assert not same_weights(plain, flipped) and same_weights(flipped, again)
    hashed = []  # the settings each fingerprint hashes
    dumps = training.json.dumps
    monkeypatch.setattr(
        training.json, "dumps", lambda value, **kw: hashed.append(value) or dumps(value, **kw)
    )
    assert training.fingerprint(train, validation, params, 3) != training.fingerprint(
        train, validation, moved, 3
    )
    settings = [value for value in hashed if isinstance(value, dict)]
    assert "batch_augment" not in settings[0]  # as networks kept before the field was
    assert settings[1]["batch_augment"] == ["flip", "crop"]


@pytest.mark.parametrize("architecture", ["vgg", "resnet"])
def test_photo_networks_train_on_colour_and_take_a_cosine_head(params, architecture):
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 12)
    images = (rng.integers(0, 60, (36, 3, 16, 16)) + 90 * labels[:, None, None, None]).astype(
        np.uint8
    )
    train = ImageSet(images, labels, ("a", "b", "c"), np.full(36, "real"))
    photo = params.model_copy(
        update={"architecture": architecture, "batch_augment": ["flip", "crop"]}
    )
    network, history = train_classifier(train, train, photo, seed=0)
    assert network.nets["0"][:-1](torch.zeros(2, 3, 16, 16)).shape == (2, 4 * params.width)
    assert history["val_balanced_accuracy"].iloc[-1] > 0.9
    ldam, _ = train_classifier(
        train, train, photo, seed=0, loss=Loss("ldam_drw", StrategiesParams().ldam_drw.model_dump())
    )
    assert isinstance(ldam.nets["0"][-1], CosineLinear)
