"""How the whole `kedro run --pipelines balance` scales: total time and peak memory as the
training set grows and as the minority shrinks, each run in its own scratch project.

Train-set size: scikit-learn's digits (1,433 training images, 8x8), 10%, 50% and 100% of
MNIST (`ingest.train_fraction`), and RGB 32x32 images -- CIFAR-10's shape -- from Fashion-MNIST
(`ingest.image_size=32`, `ingest.color=rgb`; CIFAR-10 itself cannot be downloaded on these
machines) at 10% and 50%. Minority: `keep_fraction` 0.2, 0.05 (the default) and 0.01 on
all of MNIST. The rest of the configuration is conf/base's.

    .venv/bin/python benchmarks/scaling.py --mnist data/01_raw/mnist \\
        --fashion /usr/share/datasets/fashion-mnist [--only mnist_10,digits] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import PROJECT, print_table, save_json  # benchmarks/ is on sys.path
from balance_stages import run_balance

from synthbalance.config import IngestParams
from synthbalance.pipelines.ingest.nodes import load_dataset


def cases(mnist: str, fashion: str) -> dict[str, list[str]]:
    mnist_params = [f"ingest.folder={mnist}"]
    rgb32 = [
        "ingest.source=fashion_mnist",
        f"ingest.folder={fashion}",
        "ingest.image_size=32",
        "ingest.color=rgb",
    ]
    return {
        "digits": ["ingest.source=digits"],
        "mnist_10": [*mnist_params, "ingest.train_fraction=0.1"],
        "mnist_50": [*mnist_params, "ingest.train_fraction=0.5"],
        "mnist_100": mnist_params,
        "rgb32_10": [*rgb32, "ingest.train_fraction=0.1"],
        "rgb32_50": [*rgb32, "ingest.train_fraction=0.5"],
        "keep_0.2": [*mnist_params, "imbalance.profile.keep_fraction=0.2"],
        "keep_0.01": [*mnist_params, "imbalance.profile.keep_fraction=0.01"],
    }


def train_images(params: list[str]) -> int:
    """How many training images the case ingests (before the imbalance step)."""
    settings = dict(p.split("=", 1) for p in params if p.startswith("ingest."))
    fields = {k.removeprefix("ingest."): v for k, v in settings.items()}
    train, _ = load_dataset(IngestParams(**{"download": False, **fields}), seed=0)
    return len(train)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(PROJECT / "data/01_raw/mnist"))
    parser.add_argument("--fashion", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--only", default=None, help="comma-separated case names")
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    chosen = cases(str(Path(args.mnist).resolve()), str(Path(args.fashion).resolve()))
    if args.only:
        chosen = {name: chosen[name] for name in args.only.split(",")}
    if not Path(args.mnist).is_dir():
        raise SystemExit(f"no MNIST in {args.mnist}: copy the four IDX files there, or --mnist")
    if not Path(args.fashion).is_dir():  # apt-get install dataset-fashion-mnist puts it there
        print(f"no Fashion-MNIST in {args.fashion}: the rgb32 cases are left out")
        chosen = {name: params for name, params in chosen.items() if "rgb32" not in name}
    rows = []
    for name, params in chosen.items():
        run = run_balance(params)
        images = train_images(params)
        rows.append(
            {
                "case": name,
                "train_images": images,
                "wall_s": round(run["wall_seconds"], 1),
                "peak_rss_mib": round(run["peak_rss_mib"]),
                "ms_per_image": round(1000 * run["wall_seconds"] / images, 2),
            }
        )
        print_table(rows[-1:])
    print()
    print_table(rows)
    save_json(args.out, "scaling", {"rows": rows})


if __name__ == "__main__":
    main()
