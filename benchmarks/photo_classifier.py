"""Which classifier learns photos: architectures and budgets side by side on CIFAR-10.

Reads the cifar10 environment's task (conf/cifar10: CIFAR-10's JPEG folders, long-tailed at
ratio 100) and trains one network per setting on two training sets: `oracle` (every real
training image but the validation ones) and `none` (the long-tailed set as it is). Prints,
per setting and set: seconds, steps per second, and test accuracy and balanced accuracy on
CIFAR-10's 10,000 test photos. Each setting is conf/cifar10's `classifier` block with the
given overrides; one seed, so a difference under about a point is noise.

    .venv/bin/python benchmarks/photo_classifier.py [--folder data/01_raw/cifar10_jpg]
        [--settings "architecture=cnn,width=16,batch_augment=none;architecture=vgg,width=32"]
        [--sets oracle,none]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import PROJECT, print_table, project_parameters, save_json, task
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from synthbalance.config import ClassifierParams, IngestParams
from synthbalance.pipelines.ingest.nodes import load_dataset
from synthbalance.strategies import build_oracle
from synthbalance.training.classifier import probabilities, train_classifier

SETTINGS = ";".join(
    [
        "architecture=cnn,width=16,steps=1200,batch_augment=none",
        "architecture=cnn,width=32,steps=2000,batch_augment=flip+crop",
        "architecture=vgg,width=16,steps=2000,batch_augment=flip+crop",
        "architecture=resnet,width=16,steps=2000,batch_augment=flip+crop",
        "architecture=vgg,width=32,steps=2000,batch_augment=flip+crop",
        "architecture=vgg,width=16,steps=4000,batch_augment=flip+crop",
    ]
)


def parse(pairs: str) -> dict:
    """ "steps=600,batch_augment=flip+crop" -> {"steps": 600, "batch_augment": ["flip", "crop"]}
    (other values as YAML reads them; `batch_augment=none`: [])."""
    import yaml

    parsed = {k: yaml.safe_load(v) for k, v in (p.split("=", 1) for p in pairs.split(",") if p)}
    if "batch_augment" in parsed:
        moves = parsed["batch_augment"]
        parsed["batch_augment"] = [] if moves == "none" else moves.split("+")
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=str(PROJECT / "data/01_raw/cifar10_jpg"))
    parser.add_argument("--settings", default=SETTINGS, help="';'-separated overrides")
    parser.add_argument("--sets", default="oracle,none")
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    params, _, full, train, validation = task("cifar10", {"folder": args.folder})
    ingest = IngestParams(**{**params["ingest"], "folder": args.folder, "download": False})
    _, test = load_dataset(ingest, params["seed"])
    sets = {"oracle": build_oracle(full, validation), "none": train}
    base = project_parameters("cifar10")["classifier"]
    rows = []
    for setting in args.settings.split(";"):
        classifier = ClassifierParams(**{**base, **parse(setting), "resume": False})
        for name in args.sets.split(","):
            start = time.perf_counter()
            network, _ = train_classifier(sets[name], validation, classifier, params["seed"])
            seconds = time.perf_counter() - start
            predicted = probabilities(network, 0, test.images).argmax(1)
            rows.append(
                {
                    "setting": setting,
                    "set": name,
                    "images": len(sets[name]),
                    "steps": classifier.steps,
                    "seconds": round(seconds, 1),
                    "steps_per_s": round(classifier.steps / seconds, 1),
                    "accuracy": round(accuracy_score(test.labels, predicted), 4),
                    "balanced_accuracy": round(balanced_accuracy_score(test.labels, predicted), 4),
                }
            )
            print_table(rows[-1:])
    print()
    print_table(rows)
    save_json(args.out, "photo_classifier", {"rows": rows, "seed": params["seed"]})


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
