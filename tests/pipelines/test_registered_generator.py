"""`sample.generator: models:/…`: the replicates sample a registered generator instead of
training GANs, once the run that trained it is found to have had this run's data."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import mlflow
import numpy as np
import pytest
from kedro.io.core import Version
from pydantic import ValidationError

from synthbalance.config import ImbalanceParams, IngestParams, SampleParams
from synthbalance.datasets import ImageSetDataset
from synthbalance.framework import context
from synthbalance.models.gan import ImageGenerator
from synthbalance.pipelines.balance import create_pipeline
from synthbalance.pipelines.gan.registered import load_registered_generator
from synthbalance.tracking.serving import ALIAS, MODEL_NAME, log_generator, register_current
from tests.conftest import kedro_environment, kedro_run

REGISTERED = f"models:/{MODEL_NAME}@{ALIAS}"
INGEST = IngestParams(source="digits")
IMBALANCE = ImbalanceParams(
    profile={"kind": "one_vs_rest", "positive_class": 3, "keep_fraction": 0.1}
)


def test_a_generator_that_is_no_model_uri_is_refused_saying_what_would_do():
    with pytest.raises(ValidationError, match=r"an MLflow model URI \(models:/ or runs:/"):
        SampleParams(generator="data/06_models/generator.pt")


def test_a_registered_generator_with_a_redrawn_imbalance_is_refused(monkeypatch):
    monkeypatch.setattr(
        context,
        "_parameters",
        lambda: {"sample": {"generator": REGISTERED}, "redraw_imbalance": True},
    )
    with pytest.raises(ValueError, match="needs redraw_imbalance: false"):
        context.registered_generator()


def test_with_a_registered_generator_no_replicate_trains_a_gan(monkeypatch):
    parameters = {"sample": {"generator": REGISTERED}, "replicates": 2}
    monkeypatch.setattr(context, "_parameters", lambda: parameters)
    names = {node.name for node in create_pipeline().nodes}
    assert {
        "replicate_0.gan.load_registered_generator",
        "replicate_1.gan.load_registered_generator",
    } <= names
    assert not {n for n in names if n.endswith(("train_gan", "export_generator"))}
    assert "quality.score_gan_progress" not in names  # no GAN progress in this run
    monkeypatch.setattr(context, "_parameters", lambda: {"replicates": 2})
    trained = {node.name for node in create_pipeline().nodes}
    assert "replicate_0.gan.train_gan" in trained and "quality.score_gan_progress" in trained


@pytest.fixture
def store(tmp_path: Path, monkeypatch) -> str:
    """A fresh SQLite store with a registered generator, logged by a run whose data
    parameters are INGEST, IMBALANCE and seed 42 (as kedro-mlflow logs them)."""
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    generator = ImageGenerator("conditional", [3], [f"c{k}" for k in range(10)], 8, 8, 8, 1, 8)
    flat = {"seed": 42, "ingest.download": True}
    flat |= {f"ingest.{k}": v for k, v in INGEST.model_dump(mode="json").items()}
    flat |= {
        f"imbalance.profile.{k}": v for k, v in IMBALANCE.model_dump(mode="json")["profile"].items()
    }
    flat["imbalance.validation_fraction"] = IMBALANCE.validation_fraction
    with mlflow.start_run() as run:
        mlflow.log_params(flat)
        log_generator(generator.eval(), "generator_replicate_0")
    register_current(run.info.run_id)
    yield uri
    mlflow.set_tracking_uri(None)


def test_the_registered_generator_of_a_run_on_the_same_data_is_loaded(store):
    loaded = load_registered_generator(
        REGISTERED, INGEST.model_copy(update={"download": False}), IMBALANCE, 42
    )  # download: not a matter of the data
    assert isinstance(loaded, ImageGenerator) and loaded.classes == [3]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"seed": 7}, "seed: 42 there, 7 here"),
        (
            {"imbalance": IMBALANCE.model_copy(update={"validation_fraction": 0.2})},
            "imbalance.validation_fraction: 0.1 there, 0.2 here",
        ),
        (
            {"ingest": INGEST.model_copy(update={"test_fraction": 0.3})},
            "ingest.test_fraction: 0.2 there, 0.3 here",
        ),
    ],
)
def test_a_generator_trained_on_other_data_is_refused_naming_the_difference(store, change, named):
    arguments = {"ingest": INGEST, "imbalance": IMBALANCE, "seed": 42} | change
    with pytest.raises(ValueError, match=rf"trained in run \w+ on other data \({named}\)"):
        load_registered_generator(REGISTERED, **arguments)


def test_a_uri_that_names_no_model_says_how_to_register_one(store):
    with pytest.raises(ValueError, match=r"no model at 'models:/nothing@current'.*registers"):
        load_registered_generator("models:/nothing@current", INGEST, IMBALANCE, 42)


def test_a_model_logged_by_another_release_is_refused_saying_how_to_register_one(monkeypatch):
    """A pyfunc's code file (kept with the model) that imports a module this release moved."""

    def old_code(uri):
        raise ModuleNotFoundError("No module named 'synthbalance.serving'")

    monkeypatch.setattr(mlflow.pyfunc, "load_model", old_code)
    with pytest.raises(ValueError, match=r"another synthbalance release.*sample.generator: null"):
        load_registered_generator(REGISTERED, INGEST, IMBALANCE, 42)


def _own_store(original: Path, copy: Path) -> None:
    """Point the copied store's experiments at the copy's own mlruns/ (MLflow keeps each
    experiment's artifact folder as an absolute path), so the new run writes nothing into
    the original."""
    with sqlite3.connect(copy / "mlflow.db") as db:
        db.execute(
            "UPDATE experiments SET artifact_location = replace(artifact_location, ?, ?)",
            (str(original), str(copy)),
        )


@pytest.mark.slow
def test_a_run_samples_the_generator_the_smoke_run_registered(smoke_run: Path, tmp_path: Path):
    project = tmp_path / "again"
    shutil.copytree(smoke_run, project, ignore=shutil.ignore_patterns(".built", "*.lock"))
    _own_store(smoke_run, project)
    result = subprocess.run(
        kedro_run(
            "--env",
            "smoke",
            "--pipelines",
            "balance",
            "--params",
            f"sample.generator={REGISTERED},redraw_imbalance=false",
        ),
        cwd=project,
        env=kedro_environment(project),
        capture_output=True,
        text=True,
        timeout=900,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "gan: not trained; sampling models:/synthbalance-generator@current" in log
    assert "train_gan" not in log
    # replicate 0's generator is the registered one, its samples drawn from the same stream:
    # the same images as the smoke run's
    sets = [
        ImageSetDataset(
            filepath=str(p / "data/smoke/05_model_input/replicate_0/synthetic.npz"),
            version=Version(None, None),
        )
        for p in (smoke_run, project)
    ]
    first, again = (s.load() for s in sets)
    assert np.array_equal(first.images, again.images)
    report = (project / "data/smoke/08_reporting/report.html").read_text()
    assert f"every replicate sampled the registered generator {REGISTERED}" in report
