"""The quality pipeline's measuring instrument: a small CNN trained once per split on the full
real train split with the dataset's own labels, kept in ``cache_dir``; its penultimate layer
embeds images."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import torch

from synthbalance import __version__
from synthbalance.config import QualityParams
from synthbalance.core import progress
from synthbalance.core.images import ImageSet, stratified_split
from synthbalance.core.seeding import make_rng
from synthbalance.models.classifier import Classifier
from synthbalance.models.pixels import to_unit
from synthbalance.training.classifier import train_classifier

logger = logging.getLogger(__name__)


def fit_feature_extractor(raw_train: ImageSet, params: QualityParams, seed: int) -> Classifier:
    """The measuring CNN, trained on the full real train split with the dataset's own labels
    (all ten digits, not the task's "5 vs the rest": richer features), once per split."""
    # Keyed by the split, the seed and the release: new code trains a new instrument.
    path = Path(params.cache_dir) / f"extractor-{raw_train.digest()[:16]}-{seed}-{__version__}.pt"
    # no batch moves are left out, so the extractors kept before they existed still match
    config = params.extractor.model_dump(
        mode="json", exclude=set() if params.extractor.batch_augment else {"batch_augment"}
    )
    if path.exists():
        saved = torch.load(path, map_location="cpu", weights_only=True)
        if saved.get("params") == config:
            extractor = Classifier(**saved["config"])
            extractor.load_state_dict(saved["state_dict"])
            logger.info("quality: reusing the feature extractor in %s", path)
            return extractor.eval()
    # 5% of the split, stratified, only to pick the extractor's best weights.
    train, held = stratified_split(raw_train, 0.05, make_rng(seed, "quality-extractor"), "check")
    extractor, _ = train_classifier(train, held, params.extractor, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    torch.save(
        {"params": config, "config": extractor.config, "state_dict": extractor.state_dict()},
        partial,
    )
    partial.replace(path)
    return extractor


@torch.inference_mode()
def embed(extractor: Classifier, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(penultimate-layer features (n, d), predicted labels (n,)) of uint8 images."""
    net = extractor.nets[str(extractor.replicates[0])].eval()
    features, labels = [], []
    for batch in progress.bar(
        torch.from_numpy(np.array(images)).split(1024), "features", unit="batch"
    ):
        hidden = net[:-1](to_unit(batch))  # everything but the last linear layer
        features.append(hidden)
        labels.append(net[-1](hidden).argmax(1))
    return torch.cat(features).numpy(), torch.cat(labels).numpy()


def score_extractor(feature_extractor: Classifier, raw_test: ImageSet) -> tuple[dict, dict]:
    """(how well the measuring CNN classifies the real test split, with the dataset's own
    labels: accuracy, balanced accuracy and each class's recall; the first two as MLflow
    metrics). Features are only as telling as the network that makes them."""
    _, predicted = embed(feature_extractor, raw_test.images)
    labels = np.asarray(raw_test.labels)
    recall = {
        name: float(np.mean(predicted[labels == c] == c))
        for c, name in enumerate(raw_test.class_names)
        if np.any(labels == c)
    }
    scores = {
        "test_images": len(labels),
        "accuracy": float(np.mean(predicted == labels)),
        "balanced_accuracy": float(np.mean(list(recall.values()))),
        "recall": recall,
    }
    metrics = {key: {"value": scores[key], "step": 0} for key in ("accuracy", "balanced_accuracy")}
    return scores, metrics
