"""Time to quality of the old GAN and the new one, per generated class, on the project's tasks.

For each task (a conf environment: `base`, the one-vs-rest default; `long_tail`; `fashion`) and
each variant (changes to that environment's gan parameters), this one process trains the GAN
with the pipeline's own train_gan node (the stopping rule sees only train_imbalanced and the
validation set), samples the synthetic set with sample_synthetic, and scores it per class with
the quality pipeline's score_synthetic: against real images the GAN never saw, the ones the
imbalance removed (the benchmark may read them; a run may not), in the feature space of the
extractor trained on the full train split. It also scores the monitor samples kept every
`progress_every` steps (FD-domain against training seconds).

    .venv/bin/python benchmarks/gan_quality.py --runs base:old,base:new,long_tail:old \
        [--mnist data/01_raw/mnist] [--fashion /usr/share/datasets/fashion-mnist] [--out DIR]

Each run is <environment>:<variant>; VARIANTS lists the variants.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
from _common import data_arguments, print_table, save_json, scored_task  # on sys.path

from synthbalance.config import GanParams, SampleParams
from synthbalance.pipelines.gan.nodes import train_gan
from synthbalance.pipelines.quality.nodes import score_progress, score_synthetic
from synthbalance.pipelines.sample.nodes import sample_synthetic

# What changes from the environment's gan parameters. `old`: the GAN's defaults before issue 16
# (Adam 2e-4 with betas (0.5, 0.999), plain batch norms, a fixed 2,000 steps, the last
# weights); `new`: the defaults.
VARIANTS = {
    "old": {
        "lr_generator": 2e-4,
        "lr_discriminator": 2e-4,
        "betas": [0.5, 0.999],
        "class_norm": False,
        "stopping": None,
        "steps": 2000,
    },
    "new": {},
    "new_dcgan": {"architecture": "dcgan"},
    "new_class_norm": {"class_norm": True},
    "new_conditional": {"architecture": "conditional"},
    "new_ada": {"augment": ["translation", "cutout"], "augment_p": "adaptive"},
    "new_diffaugment": {"augment": ["translation", "cutout"]},
}
METRICS = ["fd", "kid", "precision", "recall", "coverage", "label_fidelity"]


def run(env: str, variant: str, scored) -> tuple[list[dict], list[dict]]:
    """(a row per generated class and set, a row per progress grid) of one run."""
    params, full, train, validation, quality, extractor = scored
    seed = params["seed"]
    with tempfile.TemporaryDirectory() as checkpoints:
        gan = GanParams(
            **{**params["gan"], "checkpoint_dir": checkpoints, "resume": False, **VARIANTS[variant]}
        )
        started = time.perf_counter()
        generator, history, _, samples, stopping = train_gan(train, gan, seed, validation)
        seconds = time.perf_counter() - started
    synthetic, _, _ = sample_synthetic(generator, train, SampleParams(**params["sample"]), seed)
    table, _, _ = score_synthetic(extractor, full, train, quality, seed, synthetic_0=synthetic)
    counts = train.class_counts()
    stopped = stopping.get("stopped_at", [{"value": history["step"].max()}])[0]["value"]
    best = stopping.get("best_step", [{"value": stopped}])[0]["value"]
    rows = [
        {
            "env": env,
            "variant": variant,
            "class": r.group,
            "set": r.set,
            "train_images": int(counts[train.class_names.index(r.group)])
            if r.group in train.class_names
            else int(sum(counts[generator.classes])),
            **{m: round(float(getattr(r, m)), 4) for m in METRICS},
            "seconds": round(seconds, 1),
            "stopped_at": int(stopped),
            "best_step": int(best),
        }
        for r in table.itertuples()
    ]
    curve, _ = score_progress(extractor, samples, full, train, quality, seed)
    at = dict(zip(history["step"], history["seconds"], strict=False)) | {0: 0.0}
    progress = [
        {
            "env": env,
            "variant": variant,
            "step": int(r.step),
            "class": r.group,
            "seconds": round(float(at.get(r.step, np.nan)), 1),
            "fd": round(float(r.fd), 2),
            "label_fidelity": round(float(r.label_fidelity), 3),
        }
        for r in curve.itertuples()
    ]
    return rows, progress


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="base:old,base:new,long_tail:old,long_tail:new")
    parser.add_argument("--name", default="gan_quality")
    data_arguments(parser)
    args = parser.parse_args()
    rows, curves, tasks = [], [], {}
    for spec in args.runs.split(","):
        env, variant = spec.split(":")
        if env not in tasks:
            tasks[env] = scored_task(env, args)
        found, progress = run(env, variant, tasks[env])
        rows += found
        curves += progress
        print_table(found)
        save_json(args.out, args.name, {"rows": rows, "curves": curves})


if __name__ == "__main__":
    main()
