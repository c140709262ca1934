"""A child run's classifier as a pyfunc model: one replicate's network, its offsets kept,
labelling images as the strategy's own scoring does."""

import numpy as np
import pytest
import torch
from mlflow.exceptions import MlflowException

from synthbalance.models.classifier import Classifier
from synthbalance.tracking.classifier_model import classify, one_replicate
from synthbalance.training.classifier import probabilities

IMAGES = np.random.default_rng(0).integers(0, 256, (6, 1, 8, 8), dtype=np.uint8)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    three = Classifier("cnn", 1, 8, ["a", "b", "c"], 4, [0, 1], head="cosine")
    return three.with_offsets({0: torch.zeros(3), 1: torch.tensor([2.0, 0.0, -1.0])})


@pytest.mark.parametrize("replicate", [0, 1])
def test_one_replicate_gives_that_replicate_s_probabilities_and_labels(classifier, replicate):
    single = one_replicate(classifier, replicate)
    assert single.replicates == [replicate] and len(single.nets) == 1
    table = classify(single, IMAGES)
    expected = probabilities(classifier, replicate, IMAGES)
    assert np.allclose(np.stack(table["probabilities"]), expected, atol=1e-6)
    assert table["label"].tolist() == expected.argmax(1).tolist()
    assert table["class"].tolist() == [["a", "b", "c"][k] for k in expected.argmax(1)]


def test_images_of_another_shape_are_refused_saying_the_shape_wanted(classifier):
    with pytest.raises(MlflowException, match=r"images of shape \(N, 1, 8, 8\).*got shape"):
        classify(one_replicate(classifier, 0), IMAGES[:, :, :4, :4])
