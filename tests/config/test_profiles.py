import pytest
from pydantic import TypeAdapter, ValidationError

from synthbalance.config.profiles import Profile
from tests.conftest import make_image_set

parse = TypeAdapter(Profile).validate_python


def test_one_vs_rest_relabels_to_binary_and_keeps_a_fraction():
    profile = parse({"kind": "one_vs_rest", "positive_class": 2, "keep_fraction": 0.1})
    binary = profile.relabel(make_image_set([10, 20, 40]))
    assert binary.class_names == ("not c2", "c2")
    assert binary.class_counts().tolist() == [30, 40]
    assert profile.targets(binary) == {1: 4}


def test_minority_takes_one_fraction_or_one_per_class():
    data = make_image_set([100, 100, 50])
    assert parse({"kind": "minority", "classes": [0, "c2"], "keep_fraction": 0.1}).targets(
        data
    ) == {0: 10, 2: 5}
    assert parse({"kind": "minority", "classes": [0, 2], "keep_fraction": [0.5, 0.2]}).targets(
        data
    ) == {0: 50, 2: 10}
    with pytest.raises(ValueError, match="2 keep fractions for 1 classes"):
        parse({"kind": "minority", "classes": [0], "keep_fraction": [0.5, 0.2]}).targets(data)


def test_step_cuts_listed_classes_to_the_largest_over_ratio():
    profile = parse({"kind": "step", "classes": [1, 2], "ratio": 10})
    assert profile.targets(make_image_set([200, 100, 10])) == {1: 20, 2: 10}


def test_long_tail_is_exponential_with_the_given_ratio():
    targets = parse({"kind": "long_tail", "ratio": 100}).targets(make_image_set([500, 600, 700]))
    assert targets == {0: 500, 1: 50, 2: 5}
    reordered = parse({"kind": "long_tail", "ratio": 100, "order": [2, 1, 0]})
    assert reordered.targets(make_image_set([500, 600, 700])) == {2: 500, 1: 50, 0: 5}


def test_counts_sets_each_listed_class():
    profile = parse({"kind": "counts", "counts": {"c0": 3, 1: 7}})
    assert profile.targets(make_image_set([10, 10, 10])) == {0: 3, 1: 7}


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "one_vs_rest", "keep_fraction": 0},
        {"kind": "one_vs_rest", "keep_fraction": 1.2},
        {"kind": "minority", "classes": [], "keep_fraction": 0.1},
        {"kind": "step", "classes": [1], "ratio": 0.5},
        {"kind": "long_tail", "ratio": 0.9},
        {"kind": "counts", "counts": {0: 0}},
        {"kind": "zipf", "ratio": 3},
        {"kind": "one_vs_rest", "keep_fraction": 0.1, "typo": 1},
    ],
)
def test_bad_parameters_are_refused_before_any_data_is_read(bad):
    with pytest.raises(ValidationError):
        parse(bad)


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ({"kind": "minority", "classes": [7], "keep_fraction": 0.1}, "class 7 is not in"),
        ({"kind": "minority", "classes": ["cat"], "keep_fraction": 0.1}, "'cat' is not in"),
        ({"kind": "minority", "classes": [0, "c0"], "keep_fraction": 0.1}, "listed twice"),
        ({"kind": "counts", "counts": {0: 11}}, "asks for 11 images of class 'c0'.*at most 10"),
        ({"kind": "minority", "classes": [0], "keep_fraction": 0.01}, "leaves class 'c0' with 0"),
        ({"kind": "long_tail", "ratio": 1000}, "leaves class 'c1' with 0"),
        ({"kind": "long_tail", "ratio": 2, "order": [0, 1]}, "order must list every class"),
    ],
)
def test_parameters_that_do_not_fit_the_data_say_what_is_wrong(profile, message):
    with pytest.raises(ValueError, match=message):
        parse(profile).targets(make_image_set([10, 10, 10]))
