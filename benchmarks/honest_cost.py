"""The cost of an honest answer, old settings against new, side by side in one run.

Runs `kedro run --pipelines balance` twice on MNIST in scratch copies of the project (nothing
resumed), the same seed, data and replicate seeds: once with the settings main had before
issue 30 (`OLD`: float32 everywhere, the classifier's 1,500 constant-rate steps of 128 images
and the best of six validation checkpoints, and `augment`'s transforms per image through
torchvision, put back in the old run's copy of the code) and once with the project's
defaults. Both runs
train the strategies of ``--strategies`` over ``--replicates`` replicates; quality is off (it
runs once per run, not per replicate). It prints:

- per strategy: seconds (its nodes, all replicates), the mean test balanced accuracy old and
  new, the paired difference new - old with its 95% t-interval, and the seed spread (SD over
  replicates) old and new;
- pooled over strategies and replicates: the mean paired difference with two 95% intervals
  (over every strategy x replicate pair, and over the replicates' means, which shares each
  replicate's data draw); whether `oracle` and `none` fall within their old replicate-level
  95% interval; the Spearman correlation of the strategy means;
- per run: the paired spread of gan - augment and gan_augment - augment, the replicates a
  paired t-test needs for 80% power against a 0.005 difference at that spread, the seconds
  per replicate, and their product: the cost of an honest answer.

    .venv/bin/python benchmarks/honest_cost.py [--mnist data/01_raw/mnist] [--replicates 5]
        [--strategies none,oversample,augment,logit_adjust,gan,gan_augment,oracle] [--out DIR]
        [--dry-run] [--old key=value,...] [--both key=value,...] [--quality] [--name NAME]

``--old`` compares any settings with today's defaults instead, e.g. DeepSMOTE's autoencoder
in float32 against bf16: ``--old strategies.deepsmote.precision=fp32 --strategies
deepsmote,augment --both gan.steps=250,gan.stopping=null``.
"""

from __future__ import annotations

import argparse
import inspect
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml
from _common import PROJECT, print_table, project_parameters, save_json
from augmentation import per_image
from balance_stages import run_balance, unreplicated
from scipy import stats

from synthbalance.core.statistics import replicates_for_power

# main's settings before issue 30, whatever the defaults are now.
OLD = {
    "classifier": {
        "architecture": "cnn",
        "width": 16,
        "steps": 1500,
        "batch_size": 128,
        "lr": 1.0e-3,
        "schedule": "constant",
        "eval_every": 250,
        "keep": "best",
        "precision": "fp32",
    },
    "gan": {"precision": "fp32"},
    "strategies": {"deepsmote": {"precision": "fp32"}},
}
STRATEGIES = "none,oversample,augment,logit_adjust,gan,gan_augment,oracle"
METRIC = "test_balanced_accuracy"
MARGIN = 0.005  # the difference an honest verdict must resolve: half a point
# --dry-run: the script's plumbing on every setting cut short (minutes, numbers meaningless)
DRY_RUN = {"classifier": {"steps": 20, "eval_every": 10}, "gan": {"steps": 20, "stopping": None}}


def per_image_augmentation(project: Path) -> None:
    """The old run's augmentation: each image through torchvision's transforms (main's before
    issue 30), in place of the batched one, in the scratch copy's code."""
    module = project / "src/synthbalance/core/augmentation.py"
    module.write_text(
        f"{module.read_text()}\nfrom torchvision.transforms import v2\n\n\n"
        f"{inspect.getsource(per_image)}\n\naugment_images = per_image\n"
    )


def merged(base: dict, over: dict) -> dict:
    """``base`` with ``over``'s keys replaced, nested dicts merged key by key."""
    out = dict(base)
    for key, value in over.items():
        out[key] = merged(base.get(key, {}), value) if isinstance(value, dict) else value
    return out


def dotted(pairs: str) -> dict:
    """ "a.b=1,c=null" -> {"a": {"b": 1}, "c": None} (each value read as YAML)."""
    out: dict = {}
    for pair in filter(None, pairs.split(",")):
        key, _, value = pair.partition("=")
        *path, last = key.strip().split(".")
        node = out
        for part in path:
            node = node.setdefault(part, {})
        node[last] = yaml.safe_load(value)
    return out


def settings(over: dict, args) -> dict:
    """The whole parameters of one run: conf/base's, ``over`` and the benchmark's own."""
    run = {
        "replicates": args.replicates,
        "strategies": {"run": args.strategies.split(",")},
        "quality": {"in_balance": args.quality},
        "ingest": {"folder": str(Path(args.mnist).resolve()), "download": False},
    }
    run = merged(merged(run, DRY_RUN) if args.dry_run else run, dotted(args.both))
    return merged(merged(project_parameters("base"), over), run)


def scores(run: dict) -> dict[str, np.ndarray]:
    """{strategy: its test balanced accuracy per replicate}."""
    return {
        name: np.array(
            [r["metrics"][METRIC] for r in sorted(result["runs"], key=lambda r: r["replicate"])]
        )
        for name, result in run["strategy_results"].items()
    }


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high): the 95% t-interval of the mean."""
    mean, half = values.mean(), 0.0
    if len(values) > 1:
        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return float(mean), float(mean - half), float(mean + half)


def replicates_needed(spread: float, margin: float = MARGIN) -> int:
    """The fewest replicates whose two-sided paired t-test (alpha 0.05) detects ``margin`` with
    80% power at a paired standard deviation of ``spread`` (1,000: more than that)."""
    return replicates_for_power(margin, spread, lambda n: n - 1) or 1000


def per_replicate_seconds(run: dict) -> tuple[dict[str, float], float]:
    """({strategy: seconds of its nodes}, seconds per replicate of every replicated node)."""
    by_strategy, replicated, replicates = defaultdict(float), 0.0, set()
    for node, seconds in run["node_seconds"].items():
        name, replicate = unreplicated(node)
        if name.startswith("strategy."):
            by_strategy[name.split(".")[1]] += seconds
        if replicate is not None or name.startswith("strategy."):
            replicated += seconds
            replicates.add(replicate)
    count = max(len(replicates - {None}), 1)
    return dict(by_strategy), replicated / count


def compare(old: dict, new: dict, names: list[str]) -> tuple[list[dict], dict]:
    """(a row per strategy, the pooled figures)."""
    (old_s, old_rep), (new_s, new_rep) = per_replicate_seconds(old), per_replicate_seconds(new)
    a, b = scores(old), scores(new)
    rows = []
    for name in names:
        mean, low, high = interval(b[name] - a[name])
        rows.append(
            {
                "strategy": name,
                "old s": old_s.get(name, 0.0),
                "new s": new_s.get(name, 0.0),
                "old": a[name].mean(),
                "new": b[name].mean(),
                "new-old": mean,
                "low": low,
                "high": high,
                "sd old": a[name].std(ddof=1),
                "sd new": b[name].std(ddof=1),
            }
        )
    differences = np.array([b[n] - a[n] for n in names])  # (strategies, replicates)
    pooled = {
        "pairs": interval(differences.ravel()),
        "replicate_means": interval(differences.mean(axis=0)),
        "within_old_interval": {
            n: bool(interval(a[n])[1] <= b[n].mean() <= interval(a[n])[2])
            for n in ("oracle", "none")
            if n in names
        },
        "spearman": float(
            stats.spearmanr([a[n].mean() for n in names], [b[n].mean() for n in names])[0]
        ),
        "seconds_per_replicate": {"old": old_rep, "new": new_rep},
        "honest": {
            label: honest(s, seconds)
            for label, s, seconds in (("old", a, old_rep), ("new", b, new_rep))
        },
    }
    return rows, pooled


def honest(runs: dict[str, np.ndarray], seconds: float) -> dict:
    """Per GAN strategy: the paired spread against augment, the replicates needed, the cost."""
    out = {}
    for name in ("gan", "gan_augment", "deepsmote"):
        if name in runs and "augment" in runs:
            spread = float((runs[name] - runs["augment"]).std(ddof=1))
            needed = replicates_needed(spread)
            out[name] = {"spread": spread, "replicates": needed, "minutes": needed * seconds / 60}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(PROJECT / "data/01_raw/mnist"))
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    parser.add_argument("--replicates", type=int, default=5)
    parser.add_argument("--strategies", default=STRATEGIES)
    parser.add_argument("--dry-run", action="store_true", help="every setting cut short")
    parser.add_argument(
        "--old",
        default=None,
        help="the old side's settings instead of "
        "main's before issue 30, as key=value pairs on today's defaults, e.g. "
        "strategies.deepsmote.precision=fp32",
    )
    parser.add_argument(
        "--both",
        default="",
        help="key=value pairs for both sides, e.g. gan.steps=250,gan.stopping=null",
    )
    parser.add_argument(
        "--quality",
        action="store_true",
        help="keep the quality stage on "
        "and print each side's quality table (every replicate's samples)",
    )
    parser.add_argument("--name", default="honest_cost", help="the JSON's name under --out")
    args = parser.parse_args()

    runs = {}
    old = OLD if args.old is None else dotted(args.old)
    old_code = per_image_augmentation if args.old is None else None
    for label, over, code in (("old", old, old_code), ("new", {}, None)):
        print(f"{label}: kedro run --pipelines balance ({args.replicates} replicates)", flush=True)
        runs[label] = run_balance([], parameters=settings(over, args), prepare=code)
        print(
            f"  {runs[label]['wall_seconds']:.0f} s, peak RSS "
            f"{runs[label]['peak_rss_mib']:.0f} MiB",
            flush=True,
        )
    names = [n for n in args.strategies.split(",") if n in runs["old"]["strategy_results"]]
    rows, pooled = compare(runs["old"], runs["new"], names)
    print_table(rows)
    print(json.dumps(pooled, indent=2))
    for label, run in runs.items():
        if run["quality"]:
            print(f"quality, {label}:\n{run['quality']}")
    save_json(
        args.out,
        args.name,
        {
            "rows": rows,
            "pooled": pooled,
            "wall_seconds": {k: r["wall_seconds"] for k, r in runs.items()},
            "peak_rss_mib": {k: r["peak_rss_mib"] for k, r in runs.items()},
            "scores": {k: {n: v.tolist() for n, v in scores(r).items()} for k, r in runs.items()},
            "node_seconds": {k: r["node_seconds"] for k, r in runs.items()},
            "quality": {k: r["quality"] for k, r in runs.items()},
        },
    )


if __name__ == "__main__":
    main()
