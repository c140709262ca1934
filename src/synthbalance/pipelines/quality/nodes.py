"""quality: how good the synthetic images are, measured offline in a domain feature space.

The measuring instrument is a small CNN trained on the full real train split, with the
dataset's own labels: it is not a strategy, so it may see every real image; its penultimate
layer embeds images. Label fidelity matches its predictions to the task's classes by name
(for one_vs_rest, "5" is digit 5; "not 5" matches no digit and is never generated). Synthetic
images of each generated class are compared with real images of that class that the GAN never
saw (those not in train_imbalanced: the ones the imbalance step removed, and the validation
images), split in two: a reference half, and a held-back
half scored exactly like the synthetic set — the row a perfect generator would match.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, PositiveInt
from torchvision.utils import make_grid

from synthbalance import __version__
from synthbalance.images import ImageSet, stratified_split
from synthbalance.models.classifier import Classifier
from synthbalance.models.edge import to_unit
from synthbalance.pipelines.evaluate.nodes import ClassifierParams, train_classifier
from synthbalance.pipelines.quality import measures
from synthbalance.seeding import make_rng

logger = logging.getLogger(__name__)


class QualityParams(BaseModel):
    """The feature extractor, and how the synthetic images are scored."""

    model_config = ConfigDict(extra="forbid")

    in_balance: bool = Field(True, description="run as part of balance (a build parameter)")
    extractor: ClassifierParams = Field(default_factory=lambda: ClassifierParams(seeds=[0]))
    cache_dir: str = "data/06_models/feature_extractors"  # one per training split, reused
    nearest_k: PositiveInt = 5
    max_images: PositiveInt = Field(10000, description="per set, drawn at random beyond this")
    # A near copy: closer to a training image than this quantile of the held-back real
    # images' distances to the training images.
    copy_quantile: float = Field(0.01, gt=0, lt=1)
    grid_pairs: PositiveInt = 8


def _digest(image_set: ImageSet) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(image_set.images).tobytes())
    digest.update(image_set.labels.tobytes())
    return digest.hexdigest()[:16]


def fit_feature_extractor(raw_train: ImageSet, params: QualityParams, seed: int) -> Classifier:
    """The measuring CNN, trained on the full real train split with the dataset's own labels
    (all ten digits, not the task's "5 vs the rest": richer features), once per split."""
    # Keyed by the split, the seed and the release: new code trains a new instrument.
    path = Path(params.cache_dir) / f"extractor-{_digest(raw_train)}-{seed}-{__version__}.pt"
    config = params.extractor.model_dump(mode="json")
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
    torch.save({"params": config, "config": extractor.config,
                "state_dict": extractor.state_dict()}, partial)  # fmt: skip
    partial.replace(path)
    return extractor


@torch.inference_mode()
def _embed(extractor: Classifier, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(penultimate-layer features (n, d), predicted labels (n,)) of uint8 images."""
    net = extractor.nets[str(extractor.seeds[0])].eval()
    features, labels = [], []
    for batch in torch.from_numpy(np.array(images)).split(1024):
        hidden = net[:-1](to_unit(batch))  # everything but the last linear layer
        features.append(hidden)
        labels.append(net[-1](hidden).argmax(1))
    return torch.cat(features).numpy(), torch.cat(labels).numpy()


def _score(candidate, train, reference, extractor, params, rng) -> tuple[dict, dict]:
    """The metrics of one candidate set (synthetic or held-back) against the reference.
    ``reference`` holds what both candidates share, computed once: the reference and the
    training images' features, and the reference's own diversity."""
    fake, fake_labels = _embed(extractor, candidate.images)
    real = reference["features"]
    scores = {
        "fd": measures.frechet_distance(real, fake),
        "kid": measures.kernel_distance(real, fake),
        **measures.precision_recall_density_coverage(real, fake, params.nearest_k),
        "label_fidelity": _label_fidelity(extractor, fake_labels, candidate),
        "diversity": measures.mean_pairwise_distance(fake, 5000, rng)
        / max(reference["diversity"], 1e-12),
    }
    near = {
        "pixels": measures.nearest_distances(_flat(candidate), _flat(train)),
        "features": measures.nearest_distances(fake, reference["seen"]),
    }
    return scores, near


def _label_fidelity(extractor: Classifier, predicted: np.ndarray, candidate: ImageSet) -> float:
    """The share the extractor labels as the intended class, matched by class name (the
    extractor knows the dataset's classes, the candidate the task's)."""
    names = np.array(extractor.class_names)[predicted]
    intended = np.array(candidate.class_names)[candidate.labels]
    return float(np.mean(names == intended))


def _flat(image_set: ImageSet) -> np.ndarray:
    return image_set.images.reshape(len(image_set), -1).astype(np.float32)


def _sets(synthetic, train_full, train_imbalanced, labels, params, rng):
    """(synthetic, reference, held-back, GAN training) images of ``labels``."""
    seen = {image.tobytes() for image in train_imbalanced.images}
    unseen = np.array([image.tobytes() not in seen for image in train_full.images])
    pool = rng.permutation(np.flatnonzero(np.isin(train_full.labels, labels) & unseen))
    half = min(len(pool) // 2, params.max_images)
    if half < params.nearest_k + 1:
        names = [train_full.class_names[c] for c in labels]
        raise ValueError(
            f"quality: classes {names} have {len(pool)} real images the GAN never saw; "
            f"scoring needs at least {2 * (params.nearest_k + 1)} (two sets of k + 1)"
        )
    fake = np.flatnonzero(np.isin(synthetic.labels, labels))
    fake = rng.permutation(fake)[: params.max_images]
    return (
        synthetic.take(fake),
        train_full.take(pool[:half]),
        train_full.take(pool[half : 2 * half]),
        train_imbalanced.take(np.flatnonzero(np.isin(train_imbalanced.labels, labels))),
    )


def score_synthetic(
    feature_extractor: Classifier,
    synthetic: ImageSet,
    train_full: ImageSet,
    train_imbalanced: ImageSet,
    params: QualityParams,
    seed: int,
) -> tuple[pd.DataFrame, dict, Image.Image]:
    """(a row per class and set, the same as MLflow metrics, the closest synthetic/training
    pairs): synthetic and held-back real images, each against the reference real images."""
    rng = make_rng(seed, "quality")
    generated = sorted(int(c) for c in np.unique(synthetic.labels))
    groups = {train_full.class_names[c]: [c] for c in generated}
    if len(generated) > 1:
        groups["all"] = generated
    rows, pairs = [], None
    with torch.random.fork_rng(devices=[]):  # KID draws its subsets from torch's generator
        torch.manual_seed(int(rng.integers(2**62)))
        for group, labels in groups.items():
            fake, reference, held, train = _sets(synthetic, train_full, train_imbalanced, labels,
                                                 params, rng)  # fmt: skip
            real, _ = _embed(feature_extractor, reference.images)
            shared = {
                "features": real,
                "seen": _embed(feature_extractor, train.images)[0],
                "diversity": measures.mean_pairwise_distance(real, 5000, rng),
            }
            held_scores, held_near = _score(held, train, shared, feature_extractor, params, rng)
            fake_scores, fake_near = _score(fake, train, shared, feature_extractor, params, rng)
            for kind, scores, near in (("synthetic", fake_scores, fake_near),
                                       ("held_back", held_scores, held_near)):  # fmt: skip
                for space, (distances, _) in near.items():
                    limit = np.quantile(held_near[space][0], params.copy_quantile)
                    scores[f"memorisation_{space}"] = float(np.mean(distances <= limit))
                rows.append({"group": group, "set": kind, "images": len(fake if kind ==
                             "synthetic" else held), **scores})  # fmt: skip
            if pairs is None:
                pairs = _closest_pairs(fake, train, fake_near["pixels"], params.grid_pairs)
    table = pd.DataFrame(rows)
    metrics = {
        f"{row['group']}.{row['set']}.{key}": {"value": float(row[key]), "step": 0}
        for row in rows
        for key in row
        if key not in ("group", "set")
    }
    return table, metrics, pairs


def _closest_pairs(fake: ImageSet, train: ImageSet, near, count: int) -> Image.Image:
    """The ``count`` synthetic images nearest a training image (top) above that image."""
    distances, indices = near
    order = np.argsort(distances)[:count]
    top = torch.from_numpy(np.array(fake.images[order]))
    bottom = torch.from_numpy(np.array(train.images[indices[order]]))
    grid = make_grid(torch.cat([top, bottom]), nrow=len(order), padding=2, pad_value=128)
    array = grid.permute(1, 2, 0).numpy()
    image = Image.fromarray(array[..., 0] if fake.images.shape[1] == 1 else array)
    return image.resize((image.width * 3, image.height * 3), Image.Resampling.NEAREST)
