"""What the benchmark scripts share: the project's tasks, the seeds' GAN, the output."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import torch
from kedro.config import OmegaConfigLoader
from torch import nn

from synthbalance.config import ImbalanceParams, IngestParams, QualityParams
from synthbalance.models import gan as gan_models
from synthbalance.pipelines.imbalance.nodes import (
    label_for_task,
    make_imbalanced,
    split_validation,
)
from synthbalance.pipelines.ingest.nodes import load_dataset
from synthbalance.pipelines.quality.extractor import fit_feature_extractor
from synthbalance.training import gan as gan_training

PROJECT = Path(__file__).parents[1]
# Kedro's log with a timestamp per line, for the scripts that time nodes from it.
LOGGING = """
version: 1
disable_existing_loggers: false
formatters:
  timed: {format: "%(asctime)s.%(msecs)03d|%(message)s", datefmt: "%Y-%m-%d %H:%M:%S"}
handlers:
  console: {class: logging.StreamHandler, formatter: timed, stream: ext://sys.stdout}
loggers:
  kedro: {level: INFO}
root: {handlers: [console], level: INFO}
"""


def scratch_project(folder: Path) -> Path:
    """A copy of the project's conf/, src/ and pyproject.toml in ``folder`` (its own data/ and
    mlflow.db), logging with timestamps (`LOGGING`) to logging.yml."""
    for name in ("conf", "src"):
        shutil.copytree(PROJECT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "pyproject.toml", folder)
    (folder / "logging.yml").write_text(LOGGING)
    return folder


def in_child(script: str, payload: list, env: dict | None = None) -> float:
    """The number ``script --child <payload as JSON>`` prints last, run in a fresh process
    (in benchmarks/, with ``env``): for settings that are per process."""
    done = subprocess.run(
        [sys.executable, script, "--child", json.dumps(payload)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT / "benchmarks",
    )
    return float(done.stdout.strip().splitlines()[-1])


def save_json(out: str, name: str, results: dict) -> None:
    """Write ``results`` to ``out/name.json`` (benchmarks/results/ by default, git-ignored)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(results, indent=2))


def print_table(rows: list[dict]) -> None:
    """Rows of equal keys as an aligned text table."""
    widths = {k: max(len(k), *(len(_cell(r[k])) for r in rows)) for k in rows[0]}
    print("  ".join(k.rjust(w) for k, w in widths.items()))
    for row in rows:
        print("  ".join(_cell(row[k]).rjust(w) for k, w in widths.items()))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.4g}"
    return str(value)


def project_parameters(env: str = "base") -> dict:
    """An environment's parameters (conf/base's by default), as `kedro run --env` reads them."""
    loader = OmegaConfigLoader(str(PROJECT / "conf"), base_env="base", default_run_env=env)
    return loader["parameters"]


def task(env: str, folders: dict[str, str]):
    """(params, raw_train, train_full, train_imbalanced, validation) of an environment's task,
    read from ``folders[source]`` when given (never downloaded)."""
    params = project_parameters(env)
    folder = folders.get(params["ingest"]["source"])
    ingest = IngestParams(
        **{**params["ingest"], "download": False, **({"folder": folder} if folder else {})}
    )
    imbalance = ImbalanceParams(**params["imbalance"])
    raw_train, _ = load_dataset(ingest, params["seed"])
    full = label_for_task(raw_train, imbalance)
    imbalanced = make_imbalanced(full, imbalance, params["seed"])
    train, validation = split_validation(imbalanced, imbalance, params["seed"])
    return params, raw_train, full, train, validation


def data_arguments(parser) -> None:
    """--mnist, --fashion (where their files are) and --out (where the JSON goes)."""
    parser.add_argument("--mnist", default=str(PROJECT / "data/01_raw/mnist"))
    parser.add_argument("--fashion", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))


def scored_task(env: str, args):
    """(params, train_full, train_imbalanced, validation, quality params, feature extractor)
    of an environment's task: the quality pipeline's extractor, trained on the full train split
    once and cached under data/06_models/feature_extractors."""
    params, raw, full, train, validation = task(
        env, {"mnist": args.mnist, "fashion_mnist": args.fashion}
    )
    cache = str(PROJECT / "data/06_models/feature_extractors")
    quality = QualityParams(**{**params["quality"], "cache_dir": cache})
    extractor = fit_feature_extractor(raw, quality, params["seed"])
    return params, full, train, validation, quality, extractor


class SeedsGenerator(nn.Module):
    """The seeds' generator: dense -> 7x7x128, 5x5 transposed convolutions 128/64/32/1
    (28x28 grey), BatchNorm and LeakyReLU, tanh; unconditional."""

    def __init__(self, z_dim: int = 100) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(z_dim, 7 * 7 * 128, bias=False),
            nn.Unflatten(1, (128, 7, 7)),
            nn.BatchNorm2d(128),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(128, 128, 5, 1, 2, bias=False),
            nn.BatchNorm2d(128),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False),  # 14x14
            nn.BatchNorm2d(64),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(64, 32, 5, 2, 2, output_padding=1, bias=False),  # 28x28
            nn.BatchNorm2d(32),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(32, 1, 5, 1, 2),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z)


class SeedsDiscriminator(nn.Module):
    """The seeds' discriminator: 5x5 convolutions 32/64/128/256 (stride 2, 2, 2, 1) with
    LeakyReLU, then one logit; spectral norm when the GAN parameters ask for it, so that it
    trains with the same aids as the project's."""

    def __init__(self, spectral_norm: bool) -> None:
        super().__init__()
        norm = nn.utils.parametrizations.spectral_norm if spectral_norm else (lambda m: m)
        layers, channels = [], 1
        for width, stride in ((32, 2), (64, 2), (128, 2), (256, 1)):
            layers += [norm(nn.Conv2d(channels, width, 5, stride, 2)), nn.LeakyReLU(0.2)]
            channels = width
        self.net = nn.Sequential(*layers, nn.Flatten(), norm(nn.Linear(256 * 4 * 4, 1)))

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(images).squeeze(1)


@contextlib.contextmanager
def seeds_architecture():
    """The project's GAN code (train_gan, its step, its aids) with the seeds' networks."""
    generator = lambda z_dim, *args: SeedsGenerator(z_dim)  # noqa: E731
    discriminator = lambda width, channels, size, classes, norm: SeedsDiscriminator(norm)  # noqa: E731
    with (
        mock.patch.object(gan_models, "Generator", generator),
        mock.patch.object(gan_models, "Discriminator", discriminator),
        mock.patch.object(gan_training, "Discriminator", discriminator),
    ):
        yield
