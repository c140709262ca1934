"""DeepSMOTE's autoencoder under several budgets and schedules, side by side in one process.

For each variant (steps, peak learning rate, schedule) the pipeline's own train_autoencoder
trains on the default task's train_imbalanced (conf/base: the fives kept at 5%), from the same
seed. It prints the seconds, the last logged training losses, the reconstruction error (mean
squared, images in [-1, 1]) of the validation images the autoencoder never trained on, for
the rare class and the rest, and the quality of what `deepsmote` then makes: as many
interpolated and decoded fives as the strategy adds, scored by the quality pipeline's
score_synthetic against the real fives the imbalance removed (FD-domain, recall, coverage,
label fidelity, in the feature space of the extractor trained on the full train split).

    .venv/bin/python benchmarks/deepsmote_schedule.py [--variants 2000:2e-4:constant,...]
        [--mnist data/01_raw/mnist] [--out DIR]

A variant is steps:lr:schedule. Which budget to keep is then judged downstream, by
honest_cost.py's paired difference of the deepsmote strategy's test balanced accuracy.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _common import data_arguments, print_table, save_json, scored_task

from synthbalance.config.strategies import DeepSmoteParams
from synthbalance.models.pixels import to_unit
from synthbalance.pipelines.quality.nodes import score_synthetic
from synthbalance.training import deepsmote

# the paper's budget (the old default), the default, and shorter ones
VARIANTS = "2000:2e-4:constant,1200:2e-3:cosine,1000:1e-3:cosine,800:2e-3:cosine,600:2e-3:cosine"


@torch.inference_mode()
def reconstruction_error(model, images: np.ndarray) -> float:
    """Mean squared error of the autoencoder's reconstruction of ``images`` (in [-1, 1])."""
    batch = to_unit(torch.from_numpy(np.array(images)))
    return float(torch.nn.functional.mse_loss(model(batch), batch))


def run(variant: str, scored, params) -> dict:
    steps, lr, schedule = variant.split(":")
    _, full, train, validation, quality, extractor = scored
    seed = scored[0]["seed"]
    settings = DeepSmoteParams(
        **{**params, "steps": int(steps), "lr": float(lr), "schedule": schedule}
    )
    started = time.perf_counter()
    model, history = deepsmote.train_autoencoder(train, settings, seed)
    seconds = time.perf_counter() - started
    counts = train.class_counts()
    rare = int(np.argmin(counts))
    samples = deepsmote.oversample(
        model, train, {rare: int(counts.max() - counts[rare])}, settings.neighbours, seed
    )
    table, _, _ = score_synthetic(extractor, full, train, quality, seed, synthetic_0=samples)
    row = table[table["set"] == "synthetic"].iloc[0]
    held = table[table["set"] == "held_back"].iloc[0]
    is_rare = validation.labels == rare
    last = history.iloc[-1]
    return {
        "variant": variant,
        "seconds": round(seconds, 1),
        "train_reconstruction": round(float(last["reconstruction"]), 5),
        "train_penalty": round(float(last["penalty"]), 5),
        "val_error_rare": round(reconstruction_error(model, validation.images[is_rare]), 5),
        "val_error_rest": round(reconstruction_error(model, validation.images[~is_rare][:2000]), 5),
        "fd_domain": round(float(row["fd"]), 2),
        "recall": round(float(row["recall"]), 3),
        "coverage": round(float(row["coverage"]), 3),
        "label_fidelity": round(float(row["label_fidelity"]), 3),
        "held_back_fd": round(float(held["fd"]), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=VARIANTS)
    data_arguments(parser)
    args = parser.parse_args()
    scored = scored_task("base", args)
    params = scored[0]["strategies"]["deepsmote"]
    rows = []
    for variant in args.variants.split(","):
        rows.append(run(variant, scored, params))
        print_table(rows[-1:])
        save_json(args.out, "deepsmote_schedule", {"rows": rows})
    print_table(rows)


if __name__ == "__main__":
    main()
