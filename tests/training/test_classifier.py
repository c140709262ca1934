import numpy as np
import pytest

from synthbalance.config import ClassifierParams
from synthbalance.training.classifier import class_weights, train_classifier, validation_scores
from tests.conftest import make_image_set, separable

PARAMS = ClassifierParams(width=4, steps=30, batch_size=16, eval_every=10, seeds=[0, 1])


def test_one_network_per_seed_selected_on_validation():
    train, validation = separable([60, 20]), separable([20, 6], seed=1)
    classifier, history = train_classifier(train, validation, PARAMS, seed=0)
    assert classifier.seeds == [0, 1] and list(classifier.nets) == ["0", "1"]
    assert history.groupby("seed")["step"].apply(list).to_dict() == {0: [10, 20, 30],
                                                                      1: [10, 20, 30]}  # fmt: skip
    for seed in (0, 1):
        best = history[history["seed"] == seed]["val_balanced_accuracy"].max()
        kept = validation_scores(classifier, seed, validation)["val_balanced_accuracy"]
        assert kept == pytest.approx(best)


def test_same_seed_same_classifier():
    train, validation = separable([30, 10]), separable([10, 4], seed=1)
    first, _ = train_classifier(train, validation, PARAMS, seed=3)
    again, _ = train_classifier(train, validation, PARAMS, seed=3)
    for key, value in first.state_dict().items():
        assert np.array_equal(value.numpy(), again.state_dict()[key].numpy())


def test_class_weights_are_balanced_and_zero_for_an_absent_class():
    weights = class_weights(make_image_set([30, 10, 0]))
    assert weights.tolist() == pytest.approx([40 / 90, 40 / 30, 0.0])


def test_a_seeds_network_does_not_depend_on_the_other_seeds():
    train, validation = separable([30, 10]), separable([10, 4], seed=1)
    both, _ = train_classifier(train, validation, PARAMS, seed=3)
    alone, _ = train_classifier(train, validation, PARAMS.model_copy(update={"seeds": [1]}), seed=3)
    for key, value in alone.nets["1"].state_dict().items():
        assert np.array_equal(value.numpy(), both.nets["1"].state_dict()[key].numpy())


def test_repeated_seeds_are_refused():
    with pytest.raises(ValueError, match="seeds must be distinct"):
        ClassifierParams(seeds=[0, 0])
