"""Time-to-quality of the GAN: FD-domain and label fidelity against wall-clock seconds.

Trains the GAN of the default task on MNIST (the 243 training fives) once per variant, all in
this one process, with the project's train_gan, and scores the samples it keeps every
`progress_every` steps with the quality pipeline's score_progress (the feature extractor
trained on the full MNIST train split, cached under data/06_models/feature_extractors).
Variants: the defaults (no DiffAugment, EMA); with DiffAugment [color, translation]; without
EMA; with DiffAugment and without EMA; the conditional architecture; the seeds' architecture
(dense -> 7x7x128, 5x5 transposed convolutions 128/64/32/1; discriminator 5x5 convolutions
32/64/128/256) trained by the same train_gan.

    .venv/bin/python benchmarks/time_to_quality.py --mnist data/01_raw/mnist [--steps 2000]
        [--variants default,no_ema] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile

import numpy as np
import pandas as pd
from _common import (  # benchmarks/ is on sys.path when a script runs
    PROJECT,
    mnist_task,
    print_table,
    project_parameters,
    save_json,
    seeds_architecture,
)

from synthbalance.config import GanParams, QualityParams
from synthbalance.pipelines.gan.nodes import train_gan
from synthbalance.pipelines.quality.nodes import (
    fit_feature_extractor,
    score_progress,
)

VARIANTS = {  # changes to conf/base's gan parameters (no DiffAugment, EMA 0.999, dcgan)
    "default": {},
    "diffaugment": {"augment": ["color", "translation"]},
    "no_ema": {"ema_decay": 0.0},
    "diffaugment_no_ema": {"augment": ["color", "translation"], "ema_decay": 0.0},
    "conditional": {"architecture": "conditional"},
    "seeds_architecture": {"z_dim": 100},
}
# "Time to quality": the seconds to the first grid whose FD-domain is at most --fd-target (50:
# what the default run passes on its way to its plateau of 35-41) with label fidelity >= 0.9.
# Fidelity alone would not do: the untrained generator's grey images read as fives.
FIDELITY_TARGET = 0.9


def run_variant(name, overrides, train, full, extractor, params, quality, steps):
    """(a row per grid step: seconds, FD-domain, label fidelity) of one variant."""
    context = seeds_architecture() if name == "seeds_architecture" else contextlib.nullcontext()
    with tempfile.TemporaryDirectory() as checkpoints, context:
        gan = GanParams(**{**params["gan"], "checkpoint_dir": checkpoints, "steps": steps,
                           "resume": False, **overrides})  # fmt: skip
        _, history, _, samples = train_gan(train, gan, params["seed"])
    table, _ = score_progress(extractor, samples, full, train, quality, params["seed"])
    seconds = dict(zip(history["step"], history["seconds"], strict=True)) | {0: 0.0}
    table = table[table["group"] == table["group"].iloc[0]]  # the one rare class
    return [
        {"variant": name, "step": int(r.step), "seconds": round(float(seconds[r.step]), 1),
         "fd": round(float(r.fd), 2), "label_fidelity": round(float(r.label_fidelity), 3)}
        for r in table.itertuples()
    ]  # fmt: skip


def summarise(rows: list[dict], fd_target: float) -> list[dict]:
    """Per variant: the final figures, steps/s, and the seconds to reach the targets."""
    frame = pd.DataFrame(rows)
    default_seconds = frame[frame["variant"] == "default"]["seconds"].max()
    summary = []
    for variant, curve in frame.groupby("variant", sort=False):
        final = curve.iloc[-1]
        reached = curve[(curve["fd"] <= fd_target) & (curve["label_fidelity"] >= FIDELITY_TARGET)]
        summary.append({
            "variant": variant,
            "seconds": float(final["seconds"]),
            "x_default_time": round(final["seconds"] / default_seconds, 2)
            if not np.isnan(default_seconds) else None,
            "steps_per_s": round(final["step"] / final["seconds"], 1),
            "final_fd": float(final["fd"]),
            "best_fd": float(curve["fd"].min()),
            "final_fidelity": float(final["label_fidelity"]),
            "s_to_quality": float(reached["seconds"].iloc[0]) if len(reached) else None,
        })  # fmt: skip
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(PROJECT / "data/01_raw/mnist"))
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--fd-target", type=float, default=50.0)
    args = parser.parse_args()

    params = project_parameters()
    raw_train, _, full, train = mnist_task(args.mnist, params)
    cache = str(PROJECT / "data/06_models/feature_extractors")  # what `kedro run` trained
    quality = QualityParams(**{**params["quality"], "cache_dir": cache})
    extractor = fit_feature_extractor(raw_train, quality, params["seed"])
    rows = []
    for name in args.variants.split(","):
        rows += run_variant(name, VARIANTS[name], train, full, extractor, params, quality,
                            args.steps)  # fmt: skip
        print_table([r for r in rows if r["variant"] == name])
    summary = summarise(rows, args.fd_target)
    print()
    print_table(summary)
    save_json(args.out, "time_to_quality", {"summary": summary, "curves": rows})


if __name__ == "__main__":
    main()
