import numpy as np
import pytest

from synthbalance.config import ImbalanceParams
from synthbalance.pipelines.imbalance.nodes import (
    label_for_task,
    make_imbalanced,
    plot_imbalance,
    split_validation,
    summarise_imbalance,
)
from tests.conftest import make_image_set


def params(**profile) -> ImbalanceParams:
    return ImbalanceParams(profile=profile, validation_fraction=0.1)


MINORITY = {"kind": "minority", "classes": [1, 3], "keep_fraction": 0.1}


def test_make_imbalanced_keeps_the_profile_counts_and_only_kept_images(balanced_set):
    imbalanced = make_imbalanced(balanced_set, params(**MINORITY), seed=0)
    assert imbalanced.class_counts().tolist() == [100, 10, 100, 10, 100]
    # every kept image is one of the originals of its class, none repeated
    originals = {
        (img.tobytes(), lab)
        for img, lab in zip(balanced_set.images, balanced_set.labels, strict=True)
    }
    kept = [
        (img.tobytes(), lab) for img, lab in zip(imbalanced.images, imbalanced.labels, strict=True)
    ]
    assert set(kept) <= originals and len(set(kept)) == len(kept)


def test_same_seed_same_images_other_seed_other_images(balanced_set):
    first = make_imbalanced(balanced_set, params(**MINORITY), seed=3)
    again = make_imbalanced(balanced_set, params(**MINORITY), seed=3)
    other = make_imbalanced(balanced_set, params(**MINORITY), seed=4)
    assert np.array_equal(first.images, again.images)
    assert not np.array_equal(first.images, other.images)


def test_inputs_are_not_changed(balanced_set):
    before = balanced_set.images.copy(), balanced_set.labels.copy()
    imbalanced = make_imbalanced(balanced_set, params(**MINORITY), seed=0)
    split_validation(imbalanced, params(**MINORITY), seed=0)
    assert np.array_equal(before[0], balanced_set.images)
    assert np.array_equal(before[1], balanced_set.labels)


def test_split_validation_is_stratified_and_disjoint(balanced_set):
    imbalanced = make_imbalanced(balanced_set, params(**MINORITY), seed=0)
    train, validation = split_validation(imbalanced, params(**MINORITY), seed=0)
    assert validation.class_counts().tolist() == [10, 1, 10, 1, 10]
    assert train.class_counts().tolist() == [90, 9, 90, 9, 90]
    train_rows = {img.tobytes() for img in train.images}
    assert not train_rows & {img.tobytes() for img in validation.images}


def test_a_validation_fraction_that_empties_a_class_stops_before_drawing():
    data = make_image_set([50, 50])
    bad = ImbalanceParams(profile={"kind": "counts", "counts": {1: 1}}, validation_fraction=0.5)
    with pytest.raises(ValueError, match="takes all 1 images of class 'c1'"):
        make_imbalanced(data, bad, seed=0)


def test_one_vs_rest_end_to_end_counts():
    data = make_image_set([60, 200, 40])
    p = ImbalanceParams(
        profile={"kind": "one_vs_rest", "positive_class": "c1", "keep_fraction": 0.05}
    )
    train_full = label_for_task(data, p)
    imbalanced = make_imbalanced(train_full, p, seed=0)
    assert imbalanced.class_counts().tolist() == [100, 10]
    train, validation = split_validation(imbalanced, p, seed=0)
    summary = summarise_imbalance(train_full, train, validation)
    assert summary.to_dict("list") == {
        "label": [0, 1],
        "class_name": ["not c1", "c1"],
        "before": [100, 200],
        "after": [100, 10],
        "train": [90, 9],
        "validation": [10, 1],
        "kept_fraction": [1.0, 0.05],
    }
    figure = plot_imbalance(summary)
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == ["not c1", "c1"]
