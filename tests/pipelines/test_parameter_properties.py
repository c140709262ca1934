"""Property tests over the imbalance and sampling parameters: any settings, on any small
dataset, either work -- with the counts they promise -- or stop with pydantic's validation
error or a ValueError that synthbalance itself raises; never an error from inside numpy."""

import traceback

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from synthbalance.config import ImbalanceParams, SampleParams
from synthbalance.core.images import ImageSet
from synthbalance.models.gan import ImageGenerator
from synthbalance.pipelines.imbalance.nodes import (
    label_for_task,
    make_imbalanced,
    split_validation,
)
from synthbalance.pipelines.sample.nodes import sample_synthetic

NAMES = ("zero", "one", "two", "three")


def raised_by_synthbalance(error: BaseException) -> bool:
    """Whether the innermost frame that raised ``error`` is synthbalance's own code."""
    frames = traceback.extract_tb(error.__traceback__)
    return "synthbalance" in frames[-1].filename


def image_set(counts: list[int]) -> ImageSet:
    labels = np.repeat(np.arange(len(counts)), counts)
    images = np.random.default_rng(0).integers(0, 256, (len(labels), 1, 4, 4), dtype=np.uint8)
    return ImageSet(images, labels, NAMES[: len(counts)], np.full(len(labels), "real"))


# Mostly sensible values, with enough wrong ones (unknown classes, out-of-range numbers).
class_refs = st.one_of(st.integers(0, 3), st.sampled_from(NAMES), st.sampled_from([-1, 7, "x"]))
fractions = st.one_of(st.floats(0.01, 1), st.just(1.0), st.floats(-0.5, 1.5, allow_nan=False))
profiles = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.just("one_vs_rest"), "positive_class": class_refs, "keep_fraction": fractions}
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("minority"),
            "classes": st.lists(class_refs, max_size=3),
            "keep_fraction": st.one_of(fractions, st.lists(fractions, max_size=3)),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("step"),
            "classes": st.lists(class_refs, max_size=3),
            "ratio": st.floats(0, 1e4, allow_nan=False),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("long_tail"),
            "ratio": st.floats(0, 1e4),
            "order": st.none() | st.lists(class_refs, max_size=4),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("counts"),
            "counts": st.dictionaries(class_refs, st.integers(-1, 40), max_size=3),
        }
    ),
    st.fixed_dictionaries({"kind": st.sampled_from(["unknown", "ONE_VS_REST"])}),
)


@settings(max_examples=1000, deadline=None)
@given(
    counts=st.lists(st.integers(0, 60), min_size=2, max_size=4),
    profile=profiles,
    validation_fraction=st.floats(0.05, 0.5) | st.floats(-0.1, 1.1, allow_nan=False),
    seed=st.integers(0, 2**31),
)
def test_imbalance_settings_work_or_fail_clearly(counts, profile, validation_fraction, seed):
    try:
        params = ImbalanceParams(profile=profile, validation_fraction=validation_fraction)
    except ValidationError:
        event("refused by validation")
        return
    full = image_set(counts)
    try:
        task = label_for_task(full, params)
        imbalanced = make_imbalanced(task, params, seed)
        train, validation = split_validation(imbalanced, params, seed)
    except ValueError as error:
        assert raised_by_synthbalance(error), traceback.format_exc()
        event("refused by synthbalance")
        return
    event("worked")
    assert len(train) + len(validation) == len(imbalanced) <= len(task)
    kept = imbalanced.class_counts()
    assert np.all(kept <= task.class_counts())
    assert np.all((kept > 0) == (task.class_counts() > 0))  # no class is emptied
    assert np.all(train.class_counts()[kept > 0] > 0)  # nor left without training images


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counts=st.lists(st.integers(1, 20), min_size=2, max_size=3),
    settings_=st.fixed_dictionaries(
        {},
        optional={
            "target_ratio": st.floats(-1, 3, allow_nan=False),
            "per_class": st.integers(-1, 50),
            "filter": st.sampled_from(["none", "discriminator", "other"]),
            "filter_quantile": st.floats(-0.1, 1.1, allow_nan=False),
            "max_draws": st.floats(0, 4, allow_nan=False),
            "batch_size": st.integers(0, 64),
        },
    ),
    seed=st.integers(0, 2**31),
)
def test_sampling_settings_work_or_fail_clearly(counts, settings_, seed):
    try:
        params = SampleParams(**settings_)
    except ValidationError:
        event("refused by validation")
        return
    train = image_set(counts)
    generator = ImageGenerator(
        "dcgan",
        [1],
        list(train.class_names),
        z_dim=4,
        generator_width=2,
        discriminator_width=2,
        channels=1,
        image_size=4,
    )
    try:
        synthetic, _, _ = sample_synthetic(generator, train, params, seed)
    except ValueError as error:
        assert raised_by_synthbalance(error), traceback.format_exc()
        event("refused by synthbalance")
        return
    event("worked")
    assert set(np.unique(synthetic.labels)) <= {1}
    assert synthetic.images.shape[1:] == (1, 4, 4) and set(synthetic.origin) <= {"synthetic"}
    if params.per_class is not None and params.filter == "none":
        assert len(synthetic) == params.per_class
