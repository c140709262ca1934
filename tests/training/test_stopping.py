"""The GAN's stopping rule: when it stops, what it reads, what it keeps, that it resumes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from synthbalance.config import GanParams, StoppingParams
from synthbalance.pipelines.gan.nodes import train_gan
from synthbalance.training import ada, gan_loop, stopping
from synthbalance.training.gan_loop import Record
from tests.conftest import make_image_set
from tests.pipelines.gan.test_nodes import same_weights, weights


def rule(patience=2, min_improvement=0.1, **overrides) -> StoppingParams:
    return StoppingParams(
        every=2,
        images=16,
        patience=patience,
        min_improvement=min_improvement,
        components=8,
        **overrides,
    )


def tiny(tmp_path, **overrides) -> GanParams:
    settings = dict(
        generator_width=4,
        discriminator_width=4,
        z_dim=8,
        steps=12,
        batch_size=8,
        progress_every=4,
        log_every=2,
        checkpoint_every=4,
        checkpoint_dir=str(tmp_path),
        monitor_images=4,
        stopping=rule(),
    )
    return GanParams(**{**settings, **overrides})


@pytest.fixture
def task():
    """(train, validation) of three classes, the middle one rare, validation disjoint."""
    everything = make_image_set([60, 14, 60], size=8)
    first = np.concatenate(
        [np.flatnonzero(everything.labels == c)[:k] for c, k in ((0, 50), (1, 10), (2, 50))]
    )
    rest = np.setdiff1d(np.arange(len(everything)), first)
    return everything.take(first), everything.take(rest)


class Scripted:
    """A Stopping whose signal is a script, one value per scoring."""

    def __init__(self, signals, params):
        self.signals, self.params = iter(signals), params

    def score(self, players):
        return {"signal": next(self.signals)}


def stop_steps(signals, **params) -> tuple[list[bool], Record]:
    """The rule's decision at each scoring of ``signals``, up to the first stop."""
    record, scripted, decisions = Record(), Scripted(signals, rule(**params)), []
    for step in range(len(signals)):
        decisions.append(stopping.check(scripted, [], record, step))
        if decisions[-1]:
            break
    return decisions, record


def test_stops_after_patience_scorings_without_a_new_best_and_not_before():
    decisions, record = stop_steps([5.0, 4.0, 3.0, 3.1, 2.9, 1.0], patience=2)
    assert decisions == [False, False, False, False, True]
    # 3.1 and 2.9 are not below 3.0 x 0.9: two without a new best
    assert record.best["step"] == 2 and record.best["signal"] == 3.0


def test_a_signal_still_improving_never_stops():
    decisions, record = stop_steps([8.0, 4.0, 2.0, 1.0, 0.5], patience=1)
    assert not any(decisions) and record.best["step"] == 4


def test_an_improvement_smaller_than_min_improvement_is_not_a_new_best():
    decisions, _ = stop_steps([1.0, 0.99, 0.98], patience=2, min_improvement=0.05)
    assert decisions == [False, False, True]


def test_a_time_cap_stops_at_the_first_scoring_past_it():
    record, scripted = Record(seconds=11.0), Scripted([3.0, 2.0], rule(max_seconds=10))
    assert stopping.check(scripted, [], record, 2)


def test_the_rule_reads_only_the_gan_training_images_and_the_validation_set(
    task, tmp_path, monkeypatch
):
    """A spy on its inputs: the basis is fitted on train_imbalanced, each class's reference
    is its images of train_imbalanced and validation, the rest is the EMA generator's own
    samples. No removed or test image is handed to it (train_gan is not given any)."""
    train, validation = task
    allowed = {image.tobytes() for image in np.concatenate([train.images, validation.images])}
    fitted, projected = [], []
    real_fit, real_project = stopping.fit_basis, stopping.Basis.project

    def spy_fit(image_set, *args):
        fitted.append(image_set)
        return real_fit(image_set, *args)

    def spy_project(self, images):
        projected.append(np.asarray(images))
        return real_project(self, images)

    monkeypatch.setattr(stopping, "fit_basis", spy_fit)
    monkeypatch.setattr(stopping.Basis, "project", spy_project)
    *_, metrics = train_gan(train, tiny(tmp_path), 0, validation)
    assert fitted == [train]
    (reference,) = projected[:1]  # the one generated class's real images, then samples
    rare = np.concatenate(
        [train.images[train.labels == 1], validation.images[validation.labels == 1]]
    )
    assert np.array_equal(reference, rare)
    assert all(image.tobytes() in allowed for image in reference)
    samples = projected[1:]
    assert len(samples) == len(metrics["signal"]) and all(len(s) == 16 for s in samples)


def test_the_kept_generator_is_the_best_scoring_one_and_mlflow_gets_the_signal(task, tmp_path):
    train, validation = task
    params = tiny(tmp_path / "rule", steps=20, stopping=rule(patience=3, min_improvement=0.0))
    generator, _, _, _, metrics = train_gan(train, params, 0, validation)
    steps = [point["step"] for point in metrics["signal"]]
    signals = [point["value"] for point in metrics["signal"]]
    best, stopped = metrics["best_step"][0]["value"], metrics["stopped_at"][0]["value"]
    assert steps == list(range(2, int(stopped) + 1, 2))
    assert signals[steps.index(best)] == min(signals)
    assert set(metrics) == {"signal", "fd.c1", "best_step", "stopped_at"}
    # the same training run to the best step, without the rule: the same EMA weights
    at_best, *_ = train_gan(train, tiny(tmp_path / "plain", stopping=None, steps=int(best)), 0)
    assert same_weights(weights(generator), weights(at_best))


def test_a_killed_training_resumes_to_the_uninterrupted_result(task, tmp_path, monkeypatch):
    train, validation = task
    patient = rule(patience=6)  # no stop in 12 steps: the kill falls inside training
    straight, _, _, _, straight_stop = train_gan(
        train, tiny(tmp_path / "a", stopping=patient), 0, validation
    )
    real_step, calls = gan_loop.gan_step, []

    def killed(*args, **kwargs):
        calls.append(1)
        if len(calls) == 7:  # after the checkpoint at step 4, before the one at 8
            raise KeyboardInterrupt
        return real_step(*args, **kwargs)

    monkeypatch.setattr(gan_loop, "gan_step", killed)
    with pytest.raises(KeyboardInterrupt):
        train_gan(train, tiny(tmp_path / "b", stopping=patient), 0, validation)
    monkeypatch.setattr(gan_loop, "gan_step", real_step)
    resumed, _, _, _, resumed_stop = train_gan(
        train, tiny(tmp_path / "b", stopping=patient), 0, validation
    )
    assert same_weights(weights(straight), weights(resumed))
    assert resumed_stop == straight_stop


def test_a_stopped_run_is_not_trained_again_when_resumed(task, tmp_path):
    train, validation = task
    params = tiny(tmp_path, steps=40, stopping=rule(patience=1, min_improvement=0.99))
    first, _, _, _, stop = train_gan(train, params, 0, validation)
    assert stop["stopped_at"][0]["value"] < 40
    again, _, _, _, stop_again = train_gan(
        train, params.model_copy(update={"steps": 80}), 0, validation
    )
    assert stop_again["stopped_at"] == stop["stopped_at"]
    assert same_weights(weights(first), weights(again))


def test_a_class_of_a_few_images_trains_with_the_rule(tmp_path):
    train = make_image_set([40, 3, 40], size=8)
    validation = make_image_set([5, 1, 5], size=8)
    generator, *_, metrics = train_gan(train, tiny(tmp_path), 0, validation)
    assert generator.classes == [1] and np.isfinite(metrics["signal"][-1]["value"])


def test_a_class_of_one_image_says_what_to_change(tmp_path):
    train, validation = make_image_set([40, 1, 40], size=8), make_image_set([5, 0, 5], size=8)
    with pytest.raises(ValueError, match="class 'c1' has 1 image .* needs at least 2.*null"):
        train_gan(train, tiny(tmp_path), 0, validation)


def test_the_rule_needs_the_validation_set(tmp_path):
    with pytest.raises(ValueError, match="needs the validation set"):
        train_gan(make_image_set([40, 6, 40], size=8), tiny(tmp_path), 0)


def test_adaptive_augmentation_moves_p_and_logs_it(task, tmp_path):
    train, validation = task
    params = tiny(tmp_path, augment=["translation"], augment_p="adaptive", stopping=None)
    _, history, *_ = train_gan(train, params, 0, validation)
    assert "augment_p" in history and history["augment_p"].between(0, 1).all()


def test_ada_raises_p_while_d_is_sure_of_the_real_images_and_lowers_it_after():
    player = gan_loop.Player("all", None, None, None, None, None, None, None, augment_p=0.5)
    player.overfit = [4.0, 4]  # sign D(real) = 1 on every image of four steps: overfitting
    ada.adapt(player, 0.6, 64)
    assert player.augment_p == pytest.approx(0.5 + 4 * 64 / ada.ADA_IMAGES)
    assert player.overfit == [0.0, 0.0]
    player.overfit = [-4.0, 4]
    ada.adapt(player, 0.6, 64)
    assert player.augment_p == pytest.approx(0.5)
    player.overfit = [1.0, 1]  # fewer than ADA_INTERVAL steps since the last move: no move
    ada.adapt(player, 0.6, 64)
    assert player.augment_p == pytest.approx(0.5) and player.overfit == [1.0, 1]


@pytest.mark.slow
def test_conditional_samples_of_each_digit_are_read_as_that_digit(tmp_path):
    """A smoke test of the conditional GAN on scikit-learn's digits, three of them rare:
    a classifier trained on real digits labels most samples of class k as k, for every k."""
    from synthbalance.config import NetworkParams
    from synthbalance.core.images import stratified_split
    from synthbalance.core.seeding import make_rng
    from synthbalance.sources.digits import read_digits
    from synthbalance.training.classifier import train_classifier

    digits = read_digits()
    train, validation = stratified_split(digits, 0.2, make_rng(0, "test"), "check")
    keep = np.concatenate(
        [np.flatnonzero(train.labels == c)[: 20 if c in (3, 5, 8) else None] for c in range(10)]
    )
    rare = train.take(np.sort(keep))
    params = GanParams(
        architecture="conditional",
        classes=list(range(10)),
        steps=1500,
        generator_width=16,
        discriminator_width=16,
        z_dim=16,
        stopping=None,
        monitor_images=0,
        checkpoint_dir=str(tmp_path),
    )
    generator, *_ = train_gan(rare, params, 0, validation)
    reader, _ = train_classifier(train, validation, NetworkParams(steps=600, eval_every=300), 0)
    labels = torch.arange(10).repeat_interleave(100)
    with torch.no_grad():
        images = generator(
            torch.randn(len(labels), 16, generator=torch.Generator().manual_seed(1)), labels
        )
        read = reader(images, 0).argmax(1)
    fidelity = [(read[labels == k] == k).float().mean().item() for k in range(10)]
    assert min(fidelity) >= 0.7, fidelity


def test_the_rule_scores_at_the_step_cap_too(task, tmp_path):
    train, validation = task
    params = tiny(tmp_path, steps=7, stopping=rule(patience=10))
    *_, metrics = train_gan(train, params, 0, validation)
    assert [point["step"] for point in metrics["signal"]] == [2, 4, 6, 7]
    assert metrics["stopped_at"] == [{"step": 0, "value": 7.0}]
