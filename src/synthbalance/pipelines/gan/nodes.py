"""gan: train a GAN on the images that survived the imbalance step, and nothing else."""

from __future__ import annotations

import pandas as pd
from PIL import Image

from synthbalance.config import GanParams
from synthbalance.core.images import ImageSet
from synthbalance.datasets import loaded
from synthbalance.models.gan import ImageGenerator
from synthbalance.training import gan


def train_gan(
    train_imbalanced: ImageSet, params: GanParams, seed: int, validation: ImageSet | None = None
) -> tuple[ImageGenerator, pd.DataFrame, dict[str, Image.Image], dict[str, ImageSet], dict]:
    """Train on ``train_imbalanced`` only: (generator with EMA weights, history, progress
    grids, ``monitor_images`` EMA samples per class at the same steps as the grids, the
    stopping rule's scorings as MLflow metric histories).

    The stopping rule (``params.stopping``) scores EMA samples against ``validation``'s
    images of the generated classes; the best scoring's generator is the one returned.
    Resumes from the checkpoint of the same data, seed and parameters when there is one
    (``steps`` may grow: training goes on from where it stopped, unless the rule had stopped
    it). With ``world_size`` > 1, torchrun's processes train it under DDP and rank 0's
    result comes back here.
    """
    bundle, record = gan.train_gan(train_imbalanced, params, seed, validation)
    progress = {
        f"step_{step:06d}": Image.fromarray(frame.numpy().squeeze())
        for step, frame in record.frames
    }
    samples = {
        f"step_{step:06d}": ImageSet(images.numpy(), labels.numpy(), train_imbalanced.class_names)
        for step, images, labels in record.samples
    }
    return (
        bundle.cpu().eval(),
        pd.DataFrame(record.history),
        progress,
        samples,
        stopping_metrics(record.scores, record.best, record.stopped),
    )


def stopping_metrics(scores: list[dict], best: dict | None, stopped: int | None) -> dict:
    """The stopping rule's scorings as MLflow metric histories (``signal``, ``kid.<class>``,
    ``fidelity.<class>`` against steps), with ``best_step`` and ``stopped_at`` (the last
    step trained, whether the rule or the step cap ended it)."""
    if not scores:
        return {}
    metrics = {
        key: [{"step": int(row["step"]), "value": float(row[key])} for row in scores]
        for key in scores[0]
        if key not in ("step", "seconds")
    }
    last = stopped if stopped is not None else int(scores[-1]["step"])
    return metrics | {
        "best_step": [{"step": 0, "value": float(best["step"])}],
        "stopped_at": [{"step": 0, "value": float(last)}],
    }


def history_to_metrics(gan_history: pd.DataFrame) -> dict[str, list[dict]]:
    """The history as MLflow metric histories, ``<class>.<metric>`` against steps."""
    metrics = {}
    for player, rows in gan_history.groupby("player"):
        for column in ("loss_d", "loss_g", "d_real", "d_fake", "augment_p"):
            if column not in rows:  # augment_p: only under augment_p: adaptive
                continue
            metrics[f"{player}.{column}"] = [
                {"step": int(step), "value": float(value)}
                for step, value in zip(rows["step"], rows[column], strict=True)
            ]
    return metrics


def animate_progress(gan_progress: dict) -> list[Image.Image]:
    """The progress grids in step order, as the frames of an animation."""
    return list(loaded(gan_progress).values())


def progress_steps(gan_progress: dict) -> dict[str, Image.Image]:
    """The progress grids by name (``step_<step>``), for MLflow's image slider."""
    return loaded(gan_progress)


def export_generator(generator: ImageGenerator) -> ImageGenerator:
    """The generator again, to be logged as a pyfunc model that serves images
    (``GeneratorModelDataset``, synthbalance.tracking.serving)."""
    return generator
