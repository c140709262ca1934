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

import logging

import numpy as np
import pandas as pd
import torch
from PIL import Image

from synthbalance.config import QualityParams
from synthbalance.core.grid import tile
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import make_rng
from synthbalance.core.statistics import t_interval
from synthbalance.datasets import loaded
from synthbalance.models.classifier import Classifier
from synthbalance.pipelines.quality import measures
from synthbalance.pipelines.quality.extractor import embed
from synthbalance.pipelines.quality.inception import (
    candidate_scores,
    inception_features,
    load_inception,
)

logger = logging.getLogger(__name__)


def _score(candidate, train, reference, extractor, params, rng) -> tuple[dict, dict]:
    """The metrics of one candidate set (synthetic or held-back) against the reference.
    ``reference`` holds what both candidates share, computed once: the reference and the
    training images' features, the reference's own diversity and, when Inception is on, the
    network and the reference's Inception features."""
    fake, fake_labels = embed(extractor, candidate.images)
    real = reference["features"]
    scores = {
        "fd": measures.frechet_distance(real, fake),
        "kid": measures.kernel_distance(real, fake),
        **measures.precision_recall_density_coverage(real, fake, params.nearest_k),
        "label_fidelity": _label_fidelity(extractor, fake_labels, candidate),
        "diversity": measures.mean_pairwise_distance(fake, 5000, rng)
        / max(reference["diversity"], 1e-12),
    }
    if "inception" in reference:
        scores |= candidate_scores(
            *reference["inception"], candidate.images, params.inception_images
        )
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


def _unseen(train_full: ImageSet, train_imbalanced: ImageSet) -> np.ndarray:
    """Which images of the full split the GAN never saw (not in ``train_imbalanced``)."""
    seen = {image.tobytes() for image in train_imbalanced.images}
    return np.array([image.tobytes() not in seen for image in train_full.images])


def _real_sets(train_full, train_imbalanced, unseen, labels, params, seed):
    """(reference, held-back, GAN training) real images of ``labels``: the first two drawn
    from the ``unseen`` images, the same for every scoring of these classes."""
    rng = make_rng(seed, f"quality-reference-{sorted(labels)}")
    pool = rng.permutation(np.flatnonzero(np.isin(train_full.labels, labels) & unseen))
    half = min(len(pool) // 2, params.max_images)
    if half < params.nearest_k + 1:
        names = [train_full.class_names[c] for c in labels]
        raise ValueError(
            f"quality: classes {names} have {len(pool)} real images the GAN never saw; "
            f"scoring needs at least {2 * (params.nearest_k + 1)} (two sets of k + 1)"
        )
    return (
        train_full.take(pool[:half]),
        train_full.take(pool[half : 2 * half]),
        train_imbalanced.take(np.flatnonzero(np.isin(train_imbalanced.labels, labels))),
    )


def _of(image_set: ImageSet, labels, limit: int, rng) -> ImageSet:
    """At most ``limit`` images of ``labels``, drawn at random."""
    chosen = rng.permutation(np.flatnonzero(np.isin(image_set.labels, labels)))
    return image_set.take(chosen[:limit])


def _groups(labels: np.ndarray, class_names) -> dict[str, list[int]]:
    """Each generated class on its own, and all of them together when there are several."""
    generated = sorted(int(c) for c in np.unique(labels))
    groups = {class_names[c]: [c] for c in generated}
    if len(generated) > 1:
        groups["all"] = generated
    return groups


def _shared(
    extractor: Classifier, reference: ImageSet, train: ImageSet, inception, params, rng
) -> dict:
    """What both candidate sets are scored against, computed once per class group."""
    real, _ = embed(extractor, reference.images)
    shared = {
        "features": real,
        "seen": embed(extractor, train.images)[0],
        "diversity": measures.mean_pairwise_distance(real, 5000, rng),
    }
    if inception is not None:
        real_inception = inception_features(inception, reference.images[: params.inception_images])
        shared["inception"] = (inception, real_inception)
    return shared


def _memorisation(scores: dict, near: dict, held_near: dict, params: QualityParams) -> dict:
    """``scores`` with the memorisation shares: the share nearer a training image than the
    held-back set's ``copy_quantile``."""
    for space, (distances, _) in near.items():
        limit = np.quantile(held_near[space][0], params.copy_quantile)
        scores[f"memorisation_{space}"] = float(np.mean(distances <= limit))
    return scores


def _draws(sets, scored, extractor, params, rng) -> tuple[list[dict], int, tuple]:
    """Each of ``params.subsamples`` subsamples of each set, the held-back set's size, scored:
    (their scores, the size of a subsample, (the first subsample, its nearest images)))."""
    labels, held, train, shared, held_near = scored
    draws, first = [], None
    for image_set in sets:
        for _ in range(params.subsamples):
            fake = _of(image_set, labels, len(held), rng)
            scores, near = _score(fake, train, shared, extractor, params, rng)
            draws.append(_memorisation(scores, near, held_near, params))
            first = first or (fake, near)
    return draws, len(fake), first


def _row(group: str, kind: str, images: int, draws: list[dict]) -> dict:
    """One row of the table: each figure's mean over ``draws`` and, with several, its 95%
    t-interval over them (``<figure>_low``, ``<figure>_high``)."""
    row = {"group": group, "set": kind, "images": images, "subsamples": len(draws)}
    for key in draws[0]:
        summary = t_interval([draw[key] for draw in draws])
        row[key] = summary["mean"]
        row[f"{key}_low"], row[f"{key}_high"] = summary["low"], summary["high"]
    return row


def score_synthetic(
    feature_extractor: Classifier,
    train_full: ImageSet,
    train_imbalanced: ImageSet,
    params: QualityParams,
    seed: int,
    **generated: ImageSet,
) -> tuple[pd.DataFrame, dict, Image.Image]:
    """(a row per class and set, the same as MLflow metrics, the closest synthetic/training
    pairs): generated and held-back real images, each against the reference real images.

    ``generated``: each replicate's GAN samples (``synthetic_<r>``) and, when it runs,
    DeepSMOTE's (``deepsmote_<r>``): a ``synthetic`` and a ``deepsmote`` row. The held-back
    set is scored once; a generated row is the mean over ``params.subsamples`` subsamples of
    each replicate's set, each the held-back set's size (Fréchet distance, recall and coverage
    depend on how many images are scored: equal sizes make the rows comparable), with a 95%
    t-interval over those subsamples."""
    kinds = {
        kind: [generated[name] for name in sorted(generated) if name.startswith(kind)]
        for kind in ("synthetic", "deepsmote")
    }
    if not kinds["synthetic"]:
        raise ValueError("score_synthetic needs at least one synthetic set (synthetic_<r>)")
    rng = make_rng(seed, "quality")
    inception = load_inception(params.inception_weights) if params.inception_weights else None
    unseen = _unseen(train_full, train_imbalanced)
    rows, pairs, scored = [], None, {}
    with torch.random.fork_rng(devices=[]):  # KID and IS draw subsets from torch's generator
        torch.manual_seed(int(rng.integers(2**62)))
        for group, labels in _groups(kinds["synthetic"][0].labels, train_full.class_names).items():
            reference, held, train = _real_sets(
                train_full, train_imbalanced, unseen, labels, params, seed
            )
            shared = _shared(feature_extractor, reference, train, inception, params, rng)
            held_scores, held_near = _score(held, train, shared, feature_extractor, params, rng)
            scored[group] = (labels, held, train, shared, held_near)
            draws, size, (fake, near) = _draws(
                kinds["synthetic"], scored[group], feature_extractor, params, rng
            )
            if pairs is None:
                pairs = _closest_pairs(fake, train, near["pixels"], params.grid_pairs)
            held_scores = _memorisation(held_scores, held_near, held_near, params)
            rows += [
                _row(group, "synthetic", size, draws),
                _row(group, "held_back", len(held), [held_scores]),
            ]
        # DeepSMOTE's rows after every GAN row: the GAN's draw the same numbers without it
        for group, sets in ((g, kinds["deepsmote"]) for g in scored if kinds["deepsmote"]):
            draws, size, _ = _draws(sets, scored[group], feature_extractor, params, rng)
            rows.append(_row(group, "deepsmote", size, draws))
    metrics = {
        f"{row['group']}.{row['set']}.{key}": {"value": float(row[key]), "step": 0}
        for row in rows
        for key in row
        if key not in ("group", "set") and np.isfinite(row[key])
    }
    return pd.DataFrame(rows), metrics, pairs


def score_progress(
    feature_extractor: Classifier,
    gan_samples: dict,
    train_full: ImageSet,
    train_imbalanced: ImageSet,
    params: QualityParams,
    seed: int,
) -> tuple[pd.DataFrame, dict]:
    """FD-domain and label fidelity of the GAN's samples at each grid step (a row per step
    and class; the same as MLflow metric histories): quality against training steps."""
    samples = {int(name.removeprefix("step_")): s for name, s in loaded(gan_samples).items()}
    if not samples:
        logger.warning("quality: the GAN kept no samples (gan.monitor_images: 0); no progress")
        return pd.DataFrame(columns=["step", "group", "images", "fd", "label_fidelity"]), {}
    first = next(iter(samples.values()))
    unseen = _unseen(train_full, train_imbalanced)
    rows = []
    for group, labels in _groups(first.labels, train_full.class_names).items():
        reference, _, _ = _real_sets(train_full, train_imbalanced, unseen, labels, params, seed)
        real, _ = embed(feature_extractor, reference.images)
        for step, image_set in samples.items():
            fake = image_set.take(np.flatnonzero(np.isin(image_set.labels, labels)))
            features, predicted = embed(feature_extractor, fake.images)
            rows.append(
                {
                    "step": step,
                    "group": group,
                    "images": len(fake),
                    "fd": measures.frechet_distance(real, features),
                    "label_fidelity": _label_fidelity(feature_extractor, predicted, fake),
                }
            )
    table = pd.DataFrame(rows)
    metrics = {
        f"{group}.{key}": [
            {"step": int(s), "value": float(v)}
            for s, v in zip(rows_["step"], rows_[key], strict=True)
        ]
        for group, rows_ in table.groupby("group", sort=False)
        for key in ("fd", "label_fidelity")
    }
    return table, metrics


def _closest_pairs(fake: ImageSet, train: ImageSet, near, count: int) -> Image.Image:
    """The ``count`` synthetic images nearest a training image (top) above that image."""
    distances, indices = near
    order = np.argsort(distances)[:count]
    top = torch.from_numpy(np.array(fake.images[order]))
    bottom = torch.from_numpy(np.array(train.images[indices[order]]))
    grid = tile(torch.cat([top, bottom]), len(order), padding=2, pad_value=128)
    array = grid.permute(1, 2, 0).numpy()
    image = Image.fromarray(array[..., 0] if fake.images.shape[1] == 1 else array)
    return image.resize((image.width * 3, image.height * 3), Image.Resampling.NEAREST)
