"""The trained generator as an MLflow pyfunc model: images of the rare classes on demand.

Input, a table with a row per request: ``class`` (a class's name, or its label as text),
``count`` (how many images, 1 to ``MAX_COUNT`` over the whole table) and ``seed`` (the same
seed gives the same images). Output, a row per image: ``class`` (its name), ``label``,
``seed``, ``index`` (0 to count - 1 within its request) and ``image``, the pixels as
channels x height x width nested lists of whole numbers 0 to 255 (MNIST: 1 x 28 x 28). The
images are drawn as the ``sample`` pipeline draws them, unfiltered (no discriminator filter).

The model is logged "from code" (``generator_code.py``, no pickle): MLflow keeps that file
and the generator's weights (``generator.pt``, the constructor's arguments and the weights,
read back with ``torch.load(weights_only=True)``), and loading it needs synthbalance
installed. Each finished run registers its first replicate's generator as a new version of
``synthbalance-generator`` and moves the alias ``current`` to it (``register_current``)::

    mlflow models serve -m models:/synthbalance-generator@current --env-manager local -p 5001
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar
from unittest.mock import patch

import mlflow
import numpy as np
import pandas as pd
import torch
from mlflow.environment_variables import MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE
from mlflow.types import ColSpec, Schema
from mlflow.types.schema import Array
from torch import nn

from synthbalance.models.gan import ImageGenerator
from synthbalance.models.pixels import to_uint8

MODEL_NAME = "synthbalance-generator"
ALIAS = "current"
MAX_COUNT = 1024  # images in one request, all rows together
CODE = Path(__file__).with_name("generator_code.py")
Module = TypeVar("Module", bound=nn.Module)

SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "class"), ColSpec("long", "count"), ColSpec("long", "seed")]),
    outputs=Schema(
        [
            ColSpec("string", "class"),
            ColSpec("long", "label"),
            ColSpec("long", "seed"),
            ColSpec("long", "index"),
            ColSpec(Array(Array(Array("long"))), "image"),
        ]
    ),
)


def _refuse(message: str) -> MlflowException:
    """An error the scoring server answers with 400 and ``message``."""
    return MlflowException(message, error_code=INVALID_PARAMETER_VALUE)


def generate(generator: ImageGenerator, requests: pd.DataFrame) -> pd.DataFrame:
    """The images ``requests`` ask for (the module's docstring has both tables)."""
    missing = {"class", "count", "seed"} - set(requests.columns)
    if missing:
        raise _refuse(
            f"the input needs the columns class, count and seed; "
            f"{', '.join(sorted(missing))} missing"
        )
    counts = [int(c) for c in requests["count"]]
    if any(c < 1 for c in counts) or sum(counts) > MAX_COUNT:
        raise _refuse(
            f"count must be at least 1 in each row and at most {MAX_COUNT} over the "
            f"whole request; got {counts}"
        )
    rows = []
    for name, count, seed in zip(requests["class"], counts, requests["seed"], strict=True):
        label = _label(generator, str(name))
        z = torch.randn(count, generator.z_dim, generator=torch.Generator().manual_seed(int(seed)))
        with torch.inference_mode():
            images = to_uint8(generator(z, torch.full((count,), label)))
        rows += [
            {
                "class": generator.class_names[label],
                "label": label,
                "seed": int(seed),
                "index": i,
                "image": image.astype(np.int64).tolist(),
            }
            for i, image in enumerate(images)
        ]
    return pd.DataFrame(rows, columns=["class", "label", "seed", "index", "image"])


def _label(generator: ImageGenerator, name: str) -> int:
    """The label of the class ``name`` (a name, else a label as text) among those generated."""
    made = {generator.class_names[c]: c for c in generator.classes}
    if name in made:
        return made[name]
    if name.strip().lstrip("-").isdigit() and int(name) in generator.classes:
        return int(name)
    known = ", ".join(f"{n!r} (label {c})" for n, c in made.items())
    raise _refuse(f"class {name!r} is not one this generator makes; it makes {known}")


class GeneratorModel(mlflow.pyfunc.PythonModel):
    """The pyfunc: the generator read from its artifact, ``generate`` as ``predict``."""

    def load_context(self, context) -> None:
        self.generator = read_network(context.artifacts["generator"], ImageGenerator)

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None):
        return generate(self.generator, model_input)


def log_generator(generator: ImageGenerator, name: str) -> Any:
    """Log ``generator`` into the active run as the pyfunc model ``name``; its ModelInfo."""
    example = pd.DataFrame(
        {"class": [generator.class_names[generator.classes[0]]], "count": [2], "seed": [0]}
    )
    with tempfile.TemporaryDirectory() as folder:
        weights = Path(folder) / "generator.pt"
        torch.save({"config": generator.config, "state_dict": generator.state_dict()}, weights)
        return log_pyfunc(name, CODE, {"generator": str(weights)}, SIGNATURE, example)


def read_network(path: str, kind: type[Module]) -> Module:
    """The network a pyfunc's artifact holds (``{"config", "state_dict"}``), in eval mode."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    network = kind(**saved["config"])
    network.load_state_dict(saved["state_dict"])
    return network.eval()


def log_pyfunc(
    name: str, code: Path, artifacts: dict[str, str], signature: ModelSignature, example: Any = None
) -> Any:
    """Log the pyfunc model of ``code`` (a from-code model file) with ``artifacts`` into the
    active run as ``name``, its requirements pinned to this torch; without MLflow's progress
    bar for the artifacts it reads back (one per logged model, in every run's log)."""
    with patch.dict(os.environ, {MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR.name: "false"}):
        return mlflow.pyfunc.log_model(
            name=name,
            python_model=str(code),
            artifacts=artifacts,
            signature=signature,
            input_example=example,
            pip_requirements=[
                f"torch=={torch.__version__.split('+')[0]}",
                "numpy",
                "pandas",
                "synthbalance",
            ],
        )


def logged_model(run_id: str, name: str) -> str | None:
    """The id of the model ``name`` that run ``run_id`` logged, or None."""
    found = mlflow.search_logged_models(
        filter_string=f"source_run_id = '{run_id}' AND name = '{name}'", output_format="list"
    )
    return found[0].model_id if found else None


def register_current(run_id: str, name: str = "generator_replicate_0") -> Any | None:
    """Register the run's logged model ``name`` as a new version of ``MODEL_NAME`` and move
    the alias ``current`` to it; the version, or None when the run logged no such model."""
    model_id = logged_model(run_id, name)
    if model_id is None:
        return None
    version = mlflow.register_model(f"models:/{model_id}", MODEL_NAME)
    mlflow.MlflowClient().set_registered_model_alias(MODEL_NAME, ALIAS, version.version)
    return version
