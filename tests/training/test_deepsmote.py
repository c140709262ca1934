"""DeepSMOTE: an autoencoder of the imbalanced set, SMOTE between same-class codes, decoded."""

import numpy as np
import pytest
import torch

from synthbalance.config.strategies import DeepSmoteParams
from synthbalance.core.images import ImageSet
from synthbalance.pipelines import deepsmote as deepsmote_pipeline
from synthbalance.training import deepsmote
from tests.conftest import make_image_set

PARAMS = DeepSmoteParams(code=8, width=4, steps=200, batch_size=16, penalty_images=8)


@pytest.fixture(scope="module")
def trained():
    train = make_image_set([40, 6, 5], size=8, seed=0)
    model, history = deepsmote.train_autoencoder(train, PARAMS, seed=0)
    return train, model, history


def on_a_segment(code: np.ndarray, codes: np.ndarray) -> bool:
    """Whether ``code`` = a + l·(b - a) for two different rows a, b of ``codes``, 0 <= l <= 1."""
    for i in range(len(codes)):
        for j in range(len(codes)):
            if i == j:
                continue
            step = codes[j] - codes[i]
            lam = float(np.dot(code - codes[i], step) / max(np.dot(step, step), 1e-12))
            if -1e-5 <= lam <= 1 + 1e-5 and np.allclose(codes[i] + lam * step, code, atol=1e-4):
                return True
    return False


def test_decoded_samples_come_from_codes_between_two_real_codes_of_their_class(
    trained, monkeypatch
):
    train, model, _ = trained
    decoded = []
    original = model.decode
    monkeypatch.setattr(model, "decode", lambda codes: decoded.append(codes) or original(codes))
    samples = deepsmote.oversample(model, train, {1: 12, 2: 7}, neighbours=3, seed=0)
    assert samples.class_counts().tolist() == [0, 12, 7]
    assert set(samples.origin) == {"deepsmote"} and samples.images.dtype == np.uint8
    for c, codes in zip((1, 2), decoded, strict=True):
        real = deepsmote.encode(model, train.images[train.labels == c])
        assert all(on_a_segment(code, real) for code in codes.numpy())
        other = deepsmote.encode(model, train.images[train.labels == 0])
        assert not any(on_a_segment(code, other) for code in codes.numpy()[:3])


def test_the_neighbour_is_one_of_the_k_nearest_other_codes():
    codes = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    new, base, neighbour, lam = deepsmote.interpolate(codes, 40, 2, np.random.default_rng(1))
    distances = np.linalg.norm(codes[:, None] - codes[None], axis=2)
    np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1)[:, :2]
    assert all(n in nearest[b] for b, n in zip(base, neighbour, strict=True))
    assert ((lam >= 0) & (lam <= 1)).all()
    assert np.allclose(new, codes[base] + lam[:, None] * (codes[neighbour] - codes[base]))


def test_one_image_of_a_class_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 2 real images of each rare class"):
        deepsmote.interpolate(np.zeros((1, 4), np.float32), 3, 5, np.random.default_rng(0))


def test_the_autoencoder_learns_and_the_same_seed_gives_the_same_one(trained):
    train, model, history = trained
    assert list(history.columns) == ["step", "reconstruction", "penalty"]
    assert history["reconstruction"].iloc[-1] < history["reconstruction"].iloc[0]
    again, _ = deepsmote.train_autoencoder(train, PARAMS, seed=0)
    pairs = zip(model.state_dict().values(), again.state_dict().values(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)


def test_an_autoencoder_of_other_classes_is_a_clear_error(trained):
    _, model, _ = trained
    other = make_image_set([5, 5], size=8)
    other = ImageSet(other.images, other.labels, ("x", "y"))
    with pytest.raises(ValueError, match="train it again on this data"):
        deepsmote.oversample(model, other, {1: 3}, 3, 0)


def test_it_learns_from_the_imbalanced_set_only():
    # the GAN's counts say how many to make; no removed, validation or test image is an input
    pipeline = deepsmote_pipeline.create_pipeline()
    assert pipeline.inputs() == {
        "train_imbalanced",
        "synthetic",
        "params:strategies",
        "params:seed",
    }


def test_decoding_in_batches_gives_the_images_of_one_call(trained, monkeypatch):
    # a rare class brought to the majority's count is ~49k codes; one decoder call held 4 GB
    train, model, _ = trained
    whole = deepsmote.oversample(model, train, {1: 23}, neighbours=3, seed=0)
    sizes, original = [], model.decode
    monkeypatch.setattr(model, "decode", lambda codes: sizes.append(len(codes)) or original(codes))
    monkeypatch.setattr(deepsmote, "BATCH", 5)
    batched = deepsmote.oversample(model, train, {1: 23}, neighbours=3, seed=0)
    assert sizes == [5, 5, 5, 5, 3]
    assert np.array_equal(batched.images, whole.images)


def test_under_cosine_the_rate_warms_up_and_ends_at_zero(monkeypatch):
    rates = []
    step = torch.optim.Adam.step

    def recorded(optimiser, *args, **kwargs):
        rates.append(optimiser.param_groups[0]["lr"])
        return step(optimiser, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", recorded)
    params = PARAMS.model_copy(update={"steps": 40, "lr": 1e-3, "schedule": "cosine"})
    deepsmote.train_autoencoder(make_image_set([20, 5], size=8, seed=0), params, seed=0)
    assert len(rates) == 40
    assert rates[0] == pytest.approx(5e-4)  # the first of 2 warm-up steps
    assert max(rates) == pytest.approx(1e-3)
    assert rates[-1] < 1e-5 and rates == sorted(rates[:2]) + sorted(rates[2:], reverse=True)


def test_an_unknown_schedule_is_a_clear_error():
    with pytest.raises(ValueError, match="schedule"):
        DeepSmoteParams(schedule="linear")
