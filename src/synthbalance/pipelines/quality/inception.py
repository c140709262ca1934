"""Inception FID and IS, through torchmetrics, from a weights file the user provides.

Off by default: these machines cannot download the weights, and Inception v3 at 299 x 299
embeds about 9 images/s on a 2-core CPU. The weights are torch-fidelity's
``weights-inception-2015-12-05-6726825d.pth`` (the TF FID network ported to PyTorch), fetched by
hand on a machine with network. The Fréchet distance and the Inception Score are computed by
torchmetrics from the network's 2048-d pool features and its unbiased logits, both from one
pass per image.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from synthbalance.core import progress
from synthbalance.core.frechet import Precomputed
from synthbalance.pipelines.quality.measures import frechet_distance

if TYPE_CHECKING:  # torchmetrics is imported where it is used, as in core/frechet.py
    from torchmetrics.image.fid import NoTrainInceptionV3

WEIGHTS_URL = (
    "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
    "weights-inception-2015-12-05-6726825d.pth"
)


class InceptionError(ValueError):
    """The Inception weights are missing or are not the expected network's."""


def load_inception(weights: str) -> NoTrainInceptionV3:
    """Inception v3 (FID variant) with the weights in ``weights``; a clear error otherwise."""
    path = Path(weights)
    if not path.is_file():
        raise InceptionError(
            f"quality.inception_weights: there is no file at {path}. Inception FID/IS need "
            f"torch-fidelity's Inception v3 weights, which this machine cannot download: fetch "
            f"{WEIGHTS_URL} elsewhere and put it at {path}, or set quality.inception_weights: "
            f"null to measure in the domain feature space only"
        )
    try:  # plain tensors only: a file that would run code is refused here
        torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise InceptionError(
            f"quality.inception_weights: {path} is not a plain PyTorch state dict ({error})"
        ) from error
    from torchmetrics.image.fid import NoTrainInceptionV3

    try:  # torch-fidelity loads it again, now known to hold only tensors
        return NoTrainInceptionV3(
            name="inception-v3-compat",
            features_list=["2048"],
            feature_extractor_weights_path=str(path),
        )
    except (RuntimeError, KeyError) as error:
        raise InceptionError(
            f"quality.inception_weights: {path} does not fit Inception v3 ({error}); it should "
            f"be {WEIGHTS_URL.rsplit('/', 1)[-1]}"
        ) from error


@torch.inference_mode()
def inception_features(network: NoTrainInceptionV3, images: np.ndarray) -> np.ndarray:
    """2048-d pool features of uint8 images (N, C, H, W); grey images are repeated to RGB."""
    features = []
    for batch in progress.bar(
        torch.from_numpy(np.array(images)).split(64), "inception features", unit="batch"
    ):
        if batch.shape[1] == 1:
            batch = batch.expand(-1, 3, -1, -1)
        features.append(network(batch.contiguous()).double())
    return torch.cat(features).numpy()


def inception_score(network: NoTrainInceptionV3, features: np.ndarray, splits: int = 10) -> float:
    """The Inception Score (mean over ``splits``) from pool features: the unbiased logits are
    the pool features times the last layer's weights, as torch-fidelity computes them."""
    if len(features) < splits:
        raise ValueError(f"the Inception Score needs at least {splits} images; got {len(features)}")
    logits = torch.from_numpy(features) @ network.fc.weight.T.double()
    from torchmetrics.image.inception import InceptionScore

    with warnings.catch_warnings():  # "will save all extracted features": intended here
        warnings.simplefilter("ignore", UserWarning)
        metric = InceptionScore(feature=Precomputed(logits.shape[1]), splits=splits)
    metric.update(logits)
    mean, _ = metric.compute()
    return float(mean)


def candidate_scores(network, real: np.ndarray, images: np.ndarray, count: int) -> dict:
    """Inception FID of ``images`` against the reference's Inception features ``real``, and
    their Inception Score, on the first ``count`` images (the sets are in random order)."""
    fake = inception_features(network, images[:count])
    return {
        "inception_fid": frechet_distance(real, fake),
        "inception_score": inception_score(network, fake),
    }
