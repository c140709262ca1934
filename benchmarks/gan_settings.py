"""GAN settings side by side at equal steps: FD-domain every 500 steps, per environment.

Each variant trains the GAN of an environment's task for `--steps` steps with the stopping
rule off (so every variant gets the same steps), keeping 500 EMA samples per generated class
every 500 steps, which the quality pipeline's score_progress scores against the images the
imbalance removed. Printed per variant: its training seconds, and at each kept step the mean
and the worst FD-domain over the generated classes and the lowest label fidelity.

    .venv/bin/python benchmarks/gan_settings.py --env base --steps 2000 \
        --variants adam_old,betas0,lr_4e-4,new

How the defaults of issue 16 were chosen (docs/gan.md). VARIANTS are changes to the
environment's gan parameters.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from _common import data_arguments, print_table, save_json, scored_task

from synthbalance.config import GanParams
from synthbalance.pipelines.gan.nodes import train_gan
from synthbalance.pipelines.quality.nodes import score_progress

OLD_ADAM = {"betas": [0.5, 0.999], "lr_generator": 2e-4, "lr_discriminator": 2e-4}
BETAS0 = {**OLD_ADAM, "betas": [0.0, 0.9]}
ADA = {"augment": ["translation", "cutout"], "augment_p": "adaptive"}
VARIANTS = {
    "new": {},  # the defaults: Adam (0, 0.9) at 4e-4, plain batch norms
    "adam_old": OLD_ADAM,  # the optimiser before issue 16
    "betas0": BETAS0,
    "lr_4e-4": {**OLD_ADAM, "lr_generator": 4e-4, "lr_discriminator": 4e-4},
    "ttur": {**OLD_ADAM, "lr_generator": 1e-4, "lr_discriminator": 4e-4},
    "betas0_lr_1e-4": {"lr_generator": 1e-4, "lr_discriminator": 1e-4},
    "betas0_batch_128": {**BETAS0, "batch_size": 128},
    "wide_adam_old": {**OLD_ADAM, "generator_width": 64},
    "conditional_adam_old": {**OLD_ADAM, "architecture": "conditional", "class_norm": True},
    "class_norm": {"class_norm": True},
    "class_norm_adam_old": {**OLD_ADAM, "class_norm": True},
    "class_norm_betas0": {**BETAS0, "class_norm": True},
    "class_norm_betas0_ada": {**BETAS0, "class_norm": True, **ADA},
    "ada": ADA,
    "dcgan": {"architecture": "dcgan"},
    # photos (issue 32): wider networks, and DiffAugment's three transforms on every D input
    "wide": {"generator_width": 64, "discriminator_width": 64},
    "wide_diffaugment": {
        "generator_width": 64,
        "discriminator_width": 64,
        "augment": ["translation", "color", "cutout"],
    },
    "wide_class_norm": {"generator_width": 64, "discriminator_width": 64, "class_norm": True},
    "wide_diffaugment_class_norm": {
        "generator_width": 64,
        "discriminator_width": 64,
        "augment": ["translation", "color", "cutout"],
        "class_norm": True,
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="base")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--variants", default="adam_old,new")
    data_arguments(parser)
    args = parser.parse_args()
    params, full, train, validation, quality, extractor = scored_task(args.env, args)
    seed = params["seed"]
    rows = []
    for name in args.variants.split(","):
        with tempfile.TemporaryDirectory() as checkpoints:
            gan = GanParams(
                **{
                    **params["gan"],
                    "checkpoint_dir": checkpoints,
                    "resume": False,
                    "stopping": None,
                    "steps": args.steps,
                    "monitor_images": 500,
                    "progress_every": 500,
                    **VARIANTS[name],
                }
            )
            started = time.perf_counter()
            _, _, _, samples, _ = train_gan(train, gan, seed, validation)
            seconds = time.perf_counter() - started
        curve, _ = score_progress(extractor, samples, full, train, quality, seed)
        classes = curve[(curve["group"] != "all") & (curve["step"] > 0)]
        row = {"env": args.env, "variant": name, "seconds": round(seconds, 1)}
        for step, at in classes.groupby("step"):
            row[f"fd@{step}"] = round(float(at["fd"].mean()), 1)
            row[f"worst@{step}"] = round(float(at["fd"].max()), 1)
            row[f"fidelity@{step}"] = round(float(at["label_fidelity"].min()), 2)
            row[f"mean_fidelity@{step}"] = round(float(at["label_fidelity"].mean()), 2)
        rows.append(row)
        print_table([row])
        save_json(args.out, f"gan_settings_{args.env}_{args.steps}", {"rows": rows})
    print_table(rows)


if __name__ == "__main__":
    main()
