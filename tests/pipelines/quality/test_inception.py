"""Inception FID/IS from a local weights file. The real weights cannot be downloaded here, so
the wiring is tested with a randomly initialised Inception v3 saved as a state dict."""

import numpy as np
import pytest
import torch
import torch_fidelity.feature_extractor_inceptionv3 as fidelity

from synthbalance.config import NetworkParams, QualityParams
from synthbalance.pipelines.quality.extractor import fit_feature_extractor
from synthbalance.pipelines.quality.inception import (
    InceptionError,
    inception_features,
    inception_score,
    load_inception,
)
from synthbalance.pipelines.quality.measures import frechet_distance
from synthbalance.pipelines.quality.nodes import score_synthetic
from tests.conftest import make_image_set


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> str:
    """A random Inception v3 state dict, built without the download torch-fidelity attempts."""
    module = fidelity.FeatureExtractorInceptionV3
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fidelity, "load_state_dict_from_url", lambda *args, **kwargs: {})
        patch.setattr(module, "load_state_dict", lambda self, state, *args, **kwargs: None)
        torch.manual_seed(0)
        network = module("inception-v3-compat", ["2048"])
    path = tmp_path_factory.mktemp("inception") / "inception.pth"
    torch.save(network.state_dict(), path)
    return str(path)


class Payload:
    def __reduce__(self):
        return (print, ("this file ran code",))


def test_a_missing_weights_file_is_a_clear_error(tmp_path):
    with pytest.raises(InceptionError, match=r"no file at .*missing.pth.*inception_weights: null"):
        load_inception(str(tmp_path / "missing.pth"))


def test_a_file_that_would_run_code_is_refused(tmp_path, capsys):
    path = tmp_path / "hostile.pth"
    torch.save({"weights": Payload()}, path)
    with pytest.raises(InceptionError, match="not a plain PyTorch state dict"):
        load_inception(str(path))
    assert "this file ran code" not in capsys.readouterr().out


def test_weights_of_another_network_are_a_clear_error(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"weight": torch.zeros(3)}, path)
    with pytest.raises(InceptionError, match="does not fit Inception v3"):
        load_inception(str(path))


def test_fid_of_a_set_with_itself_is_zero_and_the_score_is_finite(weights):
    network = load_inception(weights)
    images = make_image_set([12], size=16, seed=1).images
    features = inception_features(network, images)
    assert features.shape == (12, 2048)
    assert frechet_distance(features, features) == pytest.approx(0, abs=1e-6)
    score = inception_score(network, features, splits=2)
    assert np.isfinite(score) and score >= 1 - 1e-6  # exp(KL) >= 1


def test_score_synthetic_adds_the_inception_figures(weights, tmp_path):
    full = make_image_set([40, 40], size=8, seed=0)
    train = full.take(np.concatenate([np.arange(40), np.arange(40, 45)]))
    params = QualityParams(
        extractor=NetworkParams(width=4, steps=5, batch_size=16, eval_every=5),
        cache_dir=str(tmp_path),
        nearest_k=3,
        inception_weights=weights,
        inception_images=10,
    )
    extractor = fit_feature_extractor(full, params, seed=0)
    synthetic = make_image_set([0, 20], size=8, seed=5)
    table, metrics, _ = score_synthetic(
        extractor, full, train, params, seed=0, synthetic_0=synthetic
    )
    assert {"inception_fid", "inception_score"} <= set(table.columns)
    assert not table[["inception_fid", "inception_score"]].isna().any().any()
    assert "c1.synthetic.inception_fid" in metrics
