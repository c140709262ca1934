import numpy as np
import pytest

from synthbalance.config import AugmentParams, StrategiesParams
from synthbalance.core.images import ImageSet, stratified_split
from synthbalance.pipelines import strategies
from synthbalance.pipelines.strategies.nodes import build_train_set
from synthbalance.strategies import REGISTRY, augment_images
from tests.conftest import make_image_set


@pytest.fixture(scope="module")
def data():
    """A full split; the kept, imbalanced part; its validation; 30 synthetic images of c1 and
    30 DeepSMOTE ones."""
    full = make_image_set([60, 60, 60], seed=0)
    kept = full.take(np.concatenate([np.arange(0, 60), np.arange(60, 72), np.arange(120, 180)]))
    train, validation = stratified_split(kept, 0.2, np.random.default_rng(0), "validation")
    fake = make_image_set([0, 30, 0], seed=9)
    synthetic = ImageSet(fake.images, fake.labels, full.class_names, np.full(30, "synthetic"))
    other = make_image_set([0, 30, 0], seed=8)
    decoded = ImageSet(other.images, other.labels, full.class_names, np.full(30, "deepsmote"))
    return full, train, validation, synthetic, decoded


def build(data, strategy, seed=0):
    full, train, validation, synthetic, decoded = data
    return build_train_set(
        StrategiesParams(),
        seed,
        strategy,
        train_imbalanced=train,
        synthetic=synthetic,
        deepsmote=decoded,
        train_full=full,
        validation=validation,
    )


def origins(image_set) -> dict[str, int]:
    names, counts = np.unique(image_set.origin, return_counts=True)
    return dict(zip(names.tolist(), counts.tolist(), strict=True))


@pytest.mark.parametrize(
    ("strategy", "counts", "expected_origins"),
    [
        ("none", [48, 9, 48], {"real": 105}),
        ("class_weight", [48, 9, 48], {"real": 105}),
        ("logit_adjust", [48, 9, 48], {"real": 105}),
        ("threshold", [48, 9, 48], {"real": 105}),
        ("ldam_drw", [48, 9, 48], {"real": 105}),
        ("deepsmote", [48, 39, 48], {"real": 105, "deepsmote": 30}),
        ("oversample", [48, 39, 48], {"real": 105, "duplicated": 30}),
        ("smote", [48, 39, 48], {"real": 105, "smote": 30}),
        ("augment", [48, 39, 48], {"real": 105, "augmented": 30}),
        ("gan", [48, 39, 48], {"real": 105, "synthetic": 30}),
        ("gan_augment", [48, 39, 48], {"real": 105, "synthetic": 15, "augmented": 15}),
        ("synthetic_only", [48, 30, 48], {"real": 96, "synthetic": 30}),
        ("oracle", [48, 57, 48], {"real": 153}),  # full split less the validation images
    ],
)
def test_each_strategy_has_its_counts_and_origins(data, strategy, counts, expected_origins):
    train_set = build(data, strategy)
    assert train_set.class_counts().tolist() == counts
    assert origins(train_set) == expected_origins


@pytest.mark.parametrize("strategy", sorted(REGISTRY))
def test_no_removed_or_validation_image_reaches_a_strategy_but_oracle(data, strategy):
    full, train, validation, *_ = data
    train_set = build(data, strategy)
    real = {
        img.tobytes()
        for img, o in zip(train_set.images, train_set.origin, strict=True)
        if o in ("real", "duplicated")
    }
    allowed = {img.tobytes() for img in (full if strategy == "oracle" else train).images}
    assert real <= allowed
    assert not real & {img.tobytes() for img in validation.images}


@pytest.mark.parametrize("strategy", sorted(REGISTRY))
def test_same_seed_same_train_set(data, strategy):
    assert np.array_equal(build(data, strategy, 1).images, build(data, strategy, 1).images)


def test_inputs_are_not_changed(data):
    _, train, _, synthetic, _ = data
    before = train.images.copy(), synthetic.images.copy()
    for strategy in REGISTRY:
        build(data, strategy)
    assert np.array_equal(before[0], train.images) and np.array_equal(before[1], synthetic.images)


def test_augmentation_changes_images_and_keeps_their_shape():
    images = make_image_set([4], size=16).images
    out = augment_images(images, AugmentParams(), seed=0)
    assert out.shape == images.shape and out.dtype == np.uint8
    assert not np.array_equal(out, images)


def test_an_unknown_strategy_is_a_clear_error(data):
    with pytest.raises(ValueError, match=r"strategy lists \['mixup'\]; choose from"):
        build(data, "mixup")


class Untouchable:
    def __getattr__(self, name):
        raise AssertionError("a builder read a dataset its registry record does not name")


def test_each_builder_is_handed_only_the_datasets_its_record_names(data):
    full, train, validation, synthetic, decoded = data
    every = {
        "train_imbalanced": train,
        "synthetic": synthetic,
        "deepsmote": decoded,
        "train_full": full,
        "validation": validation,
    }
    for name, strategy in REGISTRY.items():
        given = {k: v if k in strategy.needs else Untouchable() for k, v in every.items()}
        assert len(build_train_set(StrategiesParams(), 0, name, **given)) > 0
    assert REGISTRY["oracle"].needs == ("train_full", "validation")
    assert all("train_full" not in s.needs for n, s in REGISTRY.items() if n != "oracle")


def test_smote_needs_two_images_of_a_rare_class(data):
    _, train, _, synthetic, _ = data
    one_rare = np.flatnonzero(train.labels == 1)[:1]
    lonely = train.take(np.sort(np.concatenate([np.flatnonzero(train.labels != 1), one_rare])))
    with pytest.raises(ValueError, match="at least 2 real images"):
        build_train_set(
            StrategiesParams(), 0, "smote", train_imbalanced=lonely, synthetic=synthetic
        )


def test_one_namespace_per_strategy():
    pipeline = strategies.create_pipeline()
    assert {n.namespace for n in pipeline.nodes} == {f"strategy.{name}" for name in REGISTRY}
    assert {o for n in pipeline.nodes for o in n.outputs} == {
        f"strategy.{name}.train_set" for name in REGISTRY
    }
    for n in pipeline.nodes:  # each node reads what its builder needs, and the parameters
        name = n.namespace.removeprefix("strategy.")
        assert set(n.inputs) == {*REGISTRY[name].needs, "params:strategies", "params:seed"}


def test_the_strategies_that_run_are_a_parameter(tmp_path, monkeypatch):
    from synthbalance.pipelines import evaluate

    (tmp_path / "conf/base").mkdir(parents=True)
    (tmp_path / "conf/base/parameters_strategies.yml").write_text(
        "strategies:\n  run: [none, gan]\n"
    )
    monkeypatch.chdir(tmp_path)
    assert {n.namespace for n in strategies.create_pipeline().nodes} == {
        "strategy.none",
        "strategy.gan",
    }
    nodes = evaluate.create_pipeline().nodes
    (compare,) = [n for n in nodes if n.name == "evaluate.compare_strategies"]
    assert compare.inputs == ["strategy.none.report", "strategy.gan.report"]
    (tmp_path / "conf/base/parameters_strategies.yml").write_text("strategies:\n  run: [mixup]\n")
    with pytest.raises(ValueError, match=r"strategies.run lists \['mixup'\]; choose from"):
        strategies.create_pipeline()


def test_every_strategy_trains_with_a_loss_the_training_code_knows():
    from typing import get_args

    from synthbalance.training.losses import Kind

    assert {strategy.loss for strategy in REGISTRY.values()} <= set(get_args(Kind))
