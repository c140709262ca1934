import logging

import numpy as np
import pytest
import torch

from synthbalance.config import GanParams
from synthbalance.core.seeding import torch_generator
from synthbalance.models.pixels import to_uint8
from synthbalance.pipelines import gan
from synthbalance.pipelines.gan.nodes import animate_progress, history_to_metrics, train_gan
from synthbalance.training import gan_loop
from synthbalance.training.gan_loop import GanTrainingError, Player
from tests.conftest import make_image_set


def tiny(tmp_path, **overrides) -> GanParams:
    settings = dict(
        generator_width=4,
        discriminator_width=4,
        z_dim=8,
        steps=6,
        batch_size=8,
        progress_every=3,
        log_every=2,
        checkpoint_every=3,
        checkpoint_dir=str(tmp_path),
        augment=["translation", "cutout"],
        stopping=None,
    )
    return GanParams(**{**settings, **overrides})


@pytest.fixture
def rare_set():
    return make_image_set([40, 6, 40], size=8)


def weights(generator) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in generator.state_dict().items()}


def same_weights(a, b) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_trains_a_dcgan_for_each_minority_class(rare_set, tmp_path):
    generator, history, progress, *_ = train_gan(rare_set, tiny(tmp_path, architecture="dcgan"), 0)
    assert generator.architecture == "dcgan" and generator.classes == [1]
    assert list(generator.nets) == ["1"]
    assert history["step"].tolist() == [2, 4, 6] and set(history["player"]) == {"c1"}
    assert list(progress) == ["step_000000", "step_000003", "step_000006"]
    metrics = history_to_metrics(history)
    assert [m["step"] for m in metrics["c1.loss_d"]] == [2, 4, 6]
    assert len(animate_progress({k: (lambda v=v: v) for k, v in progress.items()})) == 3


@pytest.mark.parametrize("architecture", ["dcgan", "conditional"])
def test_keeps_samples_of_each_generated_class_at_the_grid_steps(architecture, tmp_path):
    three_rare = make_image_set([40, 6, 5, 40], size=8)
    params = tiny(tmp_path, architecture=architecture, monitor_images=12)
    generator, _, progress, samples, _ = train_gan(three_rare, params, 0)
    assert list(samples) == list(progress) == ["step_000000", "step_000003", "step_000006"]
    for image_set in samples.values():
        assert image_set.images.shape == (24, 1, 8, 8)
        assert np.bincount(image_set.labels).tolist() == [0, 12, 12]
        assert image_set.class_names == three_rare.class_names
    # The last step's samples are the final (EMA) generator's, from the monitor's own noise.
    noise = torch.randn(12, 8, generator=torch_generator(0, "gan-monitor"))
    with torch.no_grad():
        expected = [to_uint8(generator(noise, torch.full((12,), c))) for c in (1, 2)]
    assert np.array_equal(samples["step_000006"].images, np.concatenate(expected))


def test_keeping_samples_does_not_change_training(rare_set, tmp_path):
    without, _, _, none, _ = train_gan(rare_set, tiny(tmp_path / "a", monitor_images=0), 0)
    kept, _, _, some, _ = train_gan(rare_set, tiny(tmp_path / "b", monitor_images=30), 0)
    assert none == {} and len(some) == 3
    assert same_weights(weights(without), weights(kept))


def test_auto_picks_conditional_for_more_than_one_generated_class(tmp_path):
    generator, history, *_ = train_gan(make_image_set([40, 6, 6], size=8), tiny(tmp_path), 0)
    assert generator.architecture == "conditional" and set(history["player"]) == {"all"}


def test_auto_picks_a_dcgan_for_one_generated_class(rare_set, tmp_path):
    generator, history, *_ = train_gan(rare_set, tiny(tmp_path), 0)
    assert generator.architecture == "dcgan" and set(history["player"]) == {"c1"}


def test_one_step_changes_the_weights(rare_set, tmp_path):
    untrained, _, _, _, _ = train_gan(rare_set, tiny(tmp_path / "a", steps=1, ema_decay=0), 0)
    trained, _, _, _, _ = train_gan(rare_set, tiny(tmp_path / "b", steps=2, ema_decay=0), 0)
    assert not same_weights(weights(untrained), weights(trained))


def test_same_seed_same_weights_other_seed_other_weights(rare_set, tmp_path):
    first, _, _, _, _ = train_gan(rare_set, tiny(tmp_path / "a"), 7)
    again, _, _, _, _ = train_gan(rare_set, tiny(tmp_path / "b"), 7)
    other, _, _, _, _ = train_gan(rare_set, tiny(tmp_path / "c"), 8)
    assert same_weights(weights(first), weights(again))
    assert not same_weights(weights(first), weights(other))


def test_an_interrupted_training_resumes_to_the_same_weights(rare_set, tmp_path, monkeypatch):
    params = tiny(tmp_path / "resumed", steps=9)
    straight, straight_history, _, straight_samples, _ = train_gan(
        rare_set, tiny(tmp_path / "straight", steps=9), 0
    )

    real_step, calls = gan_loop.gan_step, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:  # after the checkpoint at step 3, before the one at 6
            raise KeyboardInterrupt
        return real_step(*args, **kwargs)

    monkeypatch.setattr(gan_loop, "gan_step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_gan(rare_set, params, 0)
    monkeypatch.setattr(gan_loop, "gan_step", real_step)
    resumed, resumed_history, _, resumed_samples, _ = train_gan(rare_set, params, 0)
    assert same_weights(weights(straight), weights(resumed))
    assert resumed_history.drop(columns="seconds").equals(straight_history.drop(columns="seconds"))
    assert list(resumed_samples) == list(straight_samples)
    for name, image_set in straight_samples.items():
        assert np.array_equal(image_set.images, resumed_samples[name].images)


def test_more_steps_go_on_from_the_last_checkpoint(rare_set, tmp_path, caplog):
    train_gan(rare_set, tiny(tmp_path, steps=3), 0)
    with caplog.at_level(logging.INFO):
        _, history, _, _, _ = train_gan(rare_set, tiny(tmp_path, steps=6), 0)
    assert "resuming from step 3" in caplog.text
    assert history["step"].tolist() == [2, 3, 4, 6]


def test_a_checkpoint_of_other_parameters_is_refused_and_kept(rare_set, tmp_path):
    train_gan(rare_set, tiny(tmp_path, steps=3), 0)
    (checkpoint,) = tmp_path.glob("gan-*.pt")
    state = torch.load(checkpoint, weights_only=True)
    state["fingerprint"] = "something else"
    torch.save(state, checkpoint)
    before = checkpoint.read_bytes()
    with pytest.raises(GanTrainingError, match="written for other parameters or data"):
        train_gan(rare_set, tiny(tmp_path, steps=3), 0)
    assert checkpoint.read_bytes() == before


def test_a_nan_loss_stops_with_the_step_and_keeps_the_last_good_checkpoint(
    rare_set, tmp_path, monkeypatch
):
    real_step, calls = gan_loop.gan_step, []

    def diverging(*args, **kwargs):
        calls.append(1)
        metrics = real_step(*args, **kwargs)
        return {**metrics, "loss_d": float("nan")} if len(calls) == 5 else metrics

    monkeypatch.setattr(gan_loop, "gan_step", diverging)
    with pytest.raises(GanTrainingError, match="diverged at step 5 .* step 3, is kept"):
        train_gan(rare_set, tiny(tmp_path), 0)
    (checkpoint,) = tmp_path.glob("gan-*.pt")
    assert torch.load(checkpoint, weights_only=True)["step"] == 3


def test_the_gan_sees_only_the_images_it_is_given(rare_set, tmp_path, monkeypatch):
    """The no-leak rule: every real image drawn is one of train_imbalanced's rare ones."""
    allowed = {
        img.tobytes() for img, y in zip(rare_set.images, rare_set.labels, strict=True) if y == 1
    }
    seen = []
    real_draw = Player.draw

    def spy(self, batch_size, rng):
        real, labels = real_draw(self, batch_size, rng)
        seen.extend(((real + 1) * 127.5).round().to(torch.uint8).numpy())
        return real, labels

    monkeypatch.setattr(Player, "draw", spy)
    train_gan(rare_set, tiny(tmp_path, architecture="dcgan"), 0)
    assert seen and {img.tobytes() for img in seen} <= allowed
    (node,) = [n for n in gan.create_pipeline().nodes if n.name == "gan.train_gan"]
    # validation: only the stopping rule's reference, never a training batch
    assert node.inputs == ["train_imbalanced", "params:gan", "params:seed", "validation"]


def test_a_class_smaller_than_a_batch_trains_and_says_so(rare_set, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        train_gan(rare_set, tiny(tmp_path, architecture="dcgan", steps=1), 0)
    assert "has 6 images, fewer than a batch of 8" in caplog.text


def test_a_class_without_images_is_a_clear_error(tmp_path):
    empty_class = make_image_set([40, 0, 40], size=8)
    with pytest.raises(ValueError, match="class 'c1' has no training image"):
        train_gan(empty_class, tiny(tmp_path, classes=[1]), 0)


def test_no_minority_class_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no minority class"):
        train_gan(make_image_set([10, 10], size=8), tiny(tmp_path), 0)


def test_cuda_when_there_is_none_is_a_clear_error(rare_set, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="no CUDA device"):
        train_gan(rare_set, tiny(tmp_path, device="cuda"), 0)


def test_samples_are_in_range(rare_set, tmp_path):
    generator, _, _, _, _ = train_gan(rare_set, tiny(tmp_path), 0)
    images = generator(torch.randn(4, 8), torch.tensor([1, 1, 1, 1]))
    assert images.shape == (4, 1, 8, 8) and bool(torch.all(images.abs() <= 1))
    assert np.isfinite(images.detach().numpy()).all()


def test_fewer_steps_than_the_checkpoint_is_a_clear_error(rare_set, tmp_path):
    train_gan(rare_set, tiny(tmp_path, steps=6), 0)
    with pytest.raises(GanTrainingError, match="at step 6, past gan.steps = 3"):
        train_gan(rare_set, tiny(tmp_path, steps=3), 0)
