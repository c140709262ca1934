"""Which stopping signal ranks a GAN's checkpoints as the quality pipeline's FD-domain does?

Trains the GAN of an environment once (no stopping rule, `--steps` steps, the EMA samples kept
every `progress_every` steps), then scores those samples at every kept step with the quality
pipeline's FD-domain (against the images the imbalance removed: the truth a run may not read)
and with candidate signals that read only what the GAN may see:

- `fd_pca_kept`: Fréchet distance to the class's training and validation images, in the first
  50 principal components of the GAN's training images (what `gan.stopping` uses);
- `kid_pca_validation`: the Kernel distance to the class's validation images, same basis;
- `kid_judge_validation`, `kid_judge_kept`: the Kernel distance, to the validation images or to
  the training and validation images, in the penultimate layer of a judge (the project's CNN
  trained class-weighted on the GAN's training images, selected on the validation set).

Prints each kept step's values (means over the generated classes) and each signal's Spearman
correlation with FD-domain.

    .venv/bin/python benchmarks/stopping_signal.py --env base --steps 4000
"""

from __future__ import annotations

import argparse
import tempfile

import numpy as np
import pandas as pd
import torch
from _common import data_arguments, print_table, save_json, scored_task

from synthbalance.config import ClassifierParams, GanParams, NetworkParams
from synthbalance.datasets import loaded
from synthbalance.pipelines.gan.nodes import train_gan
from synthbalance.pipelines.quality.extractor import embed
from synthbalance.pipelines.quality.nodes import score_progress
from synthbalance.training.losses import Loss
from synthbalance.training.replicates import kept_classifier
from synthbalance.training.stopping import fit_basis, frechet_distance


def kernel_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    """Unbiased MMD² with the kernel (x·y / d + 1)³ (KID's)."""
    real, fake = real.double(), fake.double()
    d = real.shape[1]

    def mean_off_diagonal(k):
        return (k.sum() - k.diagonal().sum()) / (len(k) * (len(k) - 1))

    def kernel(a, b):
        return (a @ b.T / d + 1) ** 3

    return float(
        mean_off_diagonal(kernel(real, real))
        + mean_off_diagonal(kernel(fake, fake))
        - 2 * kernel(real, fake).mean()
    )


def signals(samples, train, validation, classes, judge, seed) -> list[dict]:
    basis = fit_basis(train, 50, seed)

    def judged(images):
        return torch.from_numpy(embed(judge, images)[0])

    rows = []
    for step, image_set in sorted(samples.items()):
        per_class = []
        for c in classes:
            fake = image_set.images[image_set.labels == c]
            held = validation.images[validation.labels == c]
            kept = np.concatenate([train.images[train.labels == c], held])
            per_class.append(
                {
                    "fd_pca_kept": frechet_distance(basis.project(kept), basis.project(fake)),
                    "kid_pca_validation": kernel_distance(basis.project(held), basis.project(fake)),
                    "kid_judge_validation": kernel_distance(judged(held), judged(fake)),
                    "kid_judge_kept": kernel_distance(judged(kept), judged(fake)),
                }
            )
        rows.append({"step": step, **pd.DataFrame(per_class).mean().to_dict()})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="base")
    parser.add_argument("--steps", type=int, default=4000)
    data_arguments(parser)
    args = parser.parse_args()
    params, full, train, validation, quality, extractor = scored_task(args.env, args)
    seed = params["seed"]
    with tempfile.TemporaryDirectory() as checkpoints:
        gan = GanParams(
            **{
                **params["gan"],
                "checkpoint_dir": checkpoints,
                "resume": False,
                "stopping": None,
                "steps": args.steps,
            }
        )
        generator, _, _, kept, _ = train_gan(train, gan, seed, validation)
        judge_params = ClassifierParams(
            **NetworkParams(steps=600, eval_every=200).model_dump(), checkpoint_dir=checkpoints
        )
        judge, _ = kept_classifier(train, validation, judge_params, seed, Loss("class_weight"))
    curve, _ = score_progress(extractor, kept, full, train, quality, seed)
    truth = curve[curve["group"] != "all"].groupby("step")["fd"].mean()
    samples = {int(name.removeprefix("step_")): s for name, s in loaded(kept).items()}
    rows = [
        row | {"fd_domain": float(truth[row["step"]])}
        for row in signals(samples, train, validation, generator.classes, judge, seed)
    ]
    print_table(rows)
    frame = pd.DataFrame(rows).drop(columns="step")
    spearman = frame.corr(method="spearman")["fd_domain"].drop("fd_domain").round(3).to_dict()
    print_table([{"signal": k, "spearman_with_fd_domain": v} for k, v in spearman.items()])
    save_json(args.out, f"stopping_signal_{args.env}", {"rows": rows, "spearman": spearman})


if __name__ == "__main__":
    main()
