import logging

import numpy as np
import pytest
import torch

from synthbalance.config import GanParams, SampleParams
from synthbalance.pipelines.gan.nodes import train_gan
from synthbalance.pipelines.sample.nodes import sample_synthetic, synthetic_counts
from tests.conftest import make_image_set


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    train = make_image_set([40, 6, 30], size=8)
    params = GanParams(
        generator_width=4,
        discriminator_width=4,
        z_dim=8,
        steps=30,
        batch_size=8,
        stopping=None,
        checkpoint_dir=str(tmp_path_factory.mktemp("ckpt")),
    )
    generator, _, _, _, _ = train_gan(train, params, 0)
    return generator, train


def test_counts_top_up_to_the_target_ratio_or_a_fixed_number():
    train = make_image_set([100, 10, 30])
    assert synthetic_counts(train, [1, 2], SampleParams()) == {1: 90, 2: 70}
    assert synthetic_counts(train, [1], SampleParams(target_ratio=0.5)) == {1: 40}
    assert synthetic_counts(train, [1, 2], SampleParams(target_ratio=0.2)) == {1: 10, 2: 0}
    assert synthetic_counts(train, [1], SampleParams(per_class=5)) == {1: 5}


def test_samples_are_synthetic_uint8_like_the_real_images(trained):
    generator, train = trained
    synthetic, grid, metrics = sample_synthetic(generator, train, SampleParams(), 0)
    assert synthetic.images.dtype == np.uint8
    assert synthetic.images.shape[1:] == train.images.shape[1:]
    assert synthetic.class_counts().tolist() == [0, 34, 0]  # c2 (30 of 40) is not rare
    assert set(synthetic.origin) == {"synthetic"}
    assert synthetic.class_names == train.class_names
    assert metrics["c1.count"] == {"value": 34, "step": 0}
    assert metrics["c1.acceptance_rate"]["value"] == 1.0
    assert grid.size[0] > 0


def test_same_seed_same_samples(trained):
    generator, train = trained
    first, _, _ = sample_synthetic(generator, train, SampleParams(), 3)
    again, _, _ = sample_synthetic(generator, train, SampleParams(), 3)
    other, _, _ = sample_synthetic(generator, train, SampleParams(), 4)
    assert np.array_equal(first.images, again.images)
    assert not np.array_equal(first.images, other.images)


def critic_passing_one_in(k: int):
    """A stand-in critic that scores every k-th image of a batch 1, the others -1."""
    return lambda images, labels: torch.where(torch.arange(len(images)) % k == 0, 1.0, -1.0)


def critic_preferring_real_images():
    """A stand-in critic that scores the class's real images (its first call: the threshold)
    1 and every generated image 0, so that the filter rejects every sample."""
    calls = []

    def critic(images, labels):
        calls.append(len(images))
        return torch.full((len(images),), 1.0 if len(calls) == 1 else 0.0)

    return critic


def test_the_filter_accounts_for_what_it_rejects(trained, monkeypatch):
    generator, train = trained
    monkeypatch.setattr(generator, "critic", critic_passing_one_in(4))
    params = SampleParams(filter="discriminator", filter_quantile=0.9, per_class=20)
    synthetic, _, metrics = sample_synthetic(generator, train, params, 0)
    assert len(synthetic) == metrics["c1.count"]["value"] == 20
    assert metrics["c1.acceptance_rate"]["value"] == 20 / 200  # a batch of 200 (10 x 20), 50 pass


def test_a_filter_that_cannot_fill_the_count_says_how_short(trained, caplog, monkeypatch):
    generator, train = trained
    monkeypatch.setattr(generator, "critic", critic_passing_one_in(8))
    params = SampleParams(filter="discriminator", filter_quantile=0.9, per_class=64, max_draws=2)
    with caplog.at_level(logging.WARNING):
        _, _, metrics = sample_synthetic(generator, train, params, 0)
    assert metrics["c1.count"]["value"] == 16  # 2 x 64 drawn at most, one in 8 kept
    assert "the synthetic set is short by 48" in caplog.text


def test_a_filter_that_accepts_nothing_is_a_clear_error(trained, monkeypatch):
    generator, train = trained
    monkeypatch.setattr(generator, "critic", critic_preferring_real_images())
    params = SampleParams(filter="discriminator", filter_quantile=0.5, max_draws=1)
    with pytest.raises(ValueError, match="rejected every sample"):
        sample_synthetic(generator, train, params, 0)


def test_a_generator_of_other_data_is_a_clear_error(trained):
    generator, _ = trained
    with pytest.raises(ValueError, match="run the gan pipeline again on this data"):
        sample_synthetic(generator, make_image_set([40, 6, 30], size=16), SampleParams(), 0)


def test_a_fractional_draw_budget_still_ends(trained, monkeypatch):
    generator, train = trained
    monkeypatch.setattr(generator, "critic", critic_preferring_real_images())
    params = SampleParams(filter="discriminator", per_class=3, max_draws=1.5)
    with pytest.raises(ValueError, match="rejected every sample"):
        sample_synthetic(generator, train, params, 0)
